/**
 * Verifying credentials and presentations in both securing forms:
 * - JWT: VC-JWT 1.1 (`vc`/`vp` claims) and VC-JOSE 2.0 (typ vc+jwt / vp+jwt, the payload is the
 *   credential; enveloped credentials as `data:application/vc+jwt,` URLs), with jose;
 * - Data Integrity: eddsa-rdfc-2022 and Ed25519Signature2020, with @digitalbazaar/vc.
 * Checks, each named in a refusal: format, context, signature, issuer_key (the issuer/holder
 * controls the key, under the right relationship), validity_period (every form), holder_binding,
 * status (Bitstring Status List, StatusList2021), trusted_issuer (per credential type), audience.
 *
 * JWT forms are not JSON-LD processed (VC-JOSE does not require it), so their extra contexts are
 * not looked up; Data Integrity is, and any context the offline loader does not bundle is refused.
 */
import { createHash } from 'node:crypto';
import * as jose from 'jose';
import { isKnownContextUrl } from '../protocol/jsonld/document-loader.js';
import {
  VC_V1_CONTEXT,
  asArray,
  checkWindow,
  contextsOf,
  isObject,
  issuerOf,
  subjectIds,
  toVerifiedCredential,
  typesOf,
  validityWindow,
  vcVersion,
} from './credential-model.js';
import type {
  CheckError,
  CheckName,
  FormatError,
  JsonObject,
  ValidityWindow,
  VerifyResult,
} from './credential-model.js';
import {
  createDidAwareLoader,
  verifyDiCredentialProof,
  verifyDiPresentationProof,
} from './data-integrity.js';
import type { DiVerifyOutcome, JsonLdLoader } from './data-integrity.js';
import { KeyLookupError, createKeyLookup, verifyCompactWith } from './key-lookup.js';
import type { KeyLookup } from './key-lookup.js';
import type { VerifiedCredential } from './participant.js';
import type { DidResolver } from './resolver.js';
import type { StatusChecker } from './status-list.js';
import { checkTrustedIssuer } from './trust.js';
import type { TrustedIssuers } from './trust.js';

export interface CredentialVerifierOptions {
  resolver: DidResolver;
  /** Without one, a credential that carries credentialStatus fails the `status` check. */
  statusChecker?: StatusChecker;
  /** Without it the trusted_issuer check is not performed (a warning says so). */
  trustedIssuers?: TrustedIssuers;
  maxClockSkewSeconds?: number;
  now?: () => Date;
  /** Replaces DID-based key lookup (tests; vectors whose issuers are not DIDs). */
  keyLookup?: KeyLookup;
  /** The JSON-LD loader behind DID resolution (default: the offline bundled-contexts loader). */
  documentLoader?: JsonLdLoader;
  /**
   * Data Integrity credential proofs that verified are remembered by the SHA-256 of the
   * credential's JSON for this long (default 5 minutes, like the DID cache; 0 turns it off), so a
   * credential presented again costs no RDF canonicalisation. Dates, status and trust are checked
   * every time.
   */
  proofCacheTtlMs?: number;
}

export interface VerifyCallOptions {
  now?: Date;
  /** Presentations: our DID; JWT `aud` must contain it, a Data Integrity proof `domain` must equal it. */
  audience?: string;
  /** Data Integrity presentations: the expected proof challenge. */
  challenge?: string;
  /** Presentations: refuse one that holds no credential (DCP needs at least one). Default true. */
  requireCredentials?: boolean;
  /** Presentations: require each credential's subject to be the holder (default true; DCP needs it). */
  holderBinding?: boolean;
  /**
   * Presentations: an enveloped credential in a form we do not verify (vc+sd-jwt, vc+cose) is
   * refused (default) or, with 'warn', left out of the result with a warning.
   */
  unsupportedCredentials?: 'refuse' | 'warn';
  /** Skip the status check (used to verify a status list credential itself). */
  skipStatus?: boolean;
  /** Overrides the verifier's trusted issuers for this call; `null` skips the check. */
  trustedIssuers?: TrustedIssuers | null;
}

export interface CredentialVerifier {
  verifyCredential(
    input: unknown,
    options?: VerifyCallOptions,
  ): Promise<VerifyResult & { document?: JsonObject }>;
  verifyPresentation(input: unknown, options?: VerifyCallOptions): Promise<VerifyResult>;
}

const VC_TYP = new Set(['vc+jwt', 'vc+ld+jwt', 'application/vc+jwt', 'application/vc+ld+jwt']);
const VP_TYP = new Set(['vp+jwt', 'vp+ld+jwt', 'application/vp+jwt', 'application/vp+ld+jwt']);
const PLAIN_TYP = new Set(['JWT', 'jwt', 'application/jwt']);
const VC_CTY = new Set(['vc', 'vc+ld+json', 'application/vc', 'application/vc+ld+json']);
const VP_CTY = new Set(['vp', 'vp+ld+json', 'application/vp', 'application/vp+ld+json']);
export const ENVELOPED_VC_PREFIX = 'data:application/vc+jwt,';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createCredentialVerifier(options: CredentialVerifierOptions): CredentialVerifier {
  const skew = options.maxClockSkewSeconds ?? 60;
  const clock = options.now ?? (() => new Date());
  const keyLookup = options.keyLookup ?? createKeyLookup(options.resolver);
  const loader = createDidAwareLoader(options.resolver, options.documentLoader);
  const proofCacheTtl = options.proofCacheTtlMs ?? 300_000;
  const proofCache = new Map<string, number>();
  async function diProofVerified(doc: JsonObject, now: Date): Promise<DiVerifyOutcome> {
    if (proofCacheTtl <= 0) return verifyDiCredentialProof(doc, loader, now);
    const key = createHash('sha256').update(JSON.stringify(doc)).digest('base64url');
    const until = proofCache.get(key);
    if (until !== undefined && until > Date.now()) return { ok: true } as const;
    const r = await verifyDiCredentialProof(doc, loader, now);
    if (r.ok) {
      if (proofCache.size >= 10_000) proofCache.delete(proofCache.keys().next().value as string);
      proofCache.set(key, Date.now() + proofCacheTtl);
    }
    return r;
  }

  class Run {
    checks: CheckName[] = [];
    errors: CheckError[] = [];
    warnings: string[] = [];
    constructor(readonly index?: number) {}
    check(name: CheckName) {
      if (!this.checks.includes(name)) this.checks.push(name);
    }
    fail(e: CheckError) {
      this.errors.push(
        this.index === undefined || e.credentialIndex !== undefined
          ? e
          : { ...e, credentialIndex: this.index },
      );
    }
    result(extra: Partial<VerifyResult> = {}): VerifyResult {
      return {
        verified: this.errors.length === 0,
        checks: this.checks,
        errors: this.errors,
        warnings: this.warnings,
        ...extra,
      };
    }
  }

  /** The checks that do not depend on the securing form. */
  async function modelChecks(
    run: Run,
    doc: JsonObject,
    window: ValidityWindow,
    call: VerifyCallOptions,
    now: Date,
  ): Promise<void> {
    run.check('validity_period');
    const w = checkWindow(window, now, skew, 'credential');
    if (w) run.fail(w);
    if (doc.credentialStatus !== undefined && !call.skipStatus) {
      run.check('status');
      if (!options.statusChecker)
        run.fail({
          check: 'status',
          reason: 'status_unchecked',
          message: 'credential has credentialStatus but no status checker is configured',
        });
      else {
        const s = await options.statusChecker.check(doc);
        if (s) run.fail(s);
      }
    }
    const trusted = call.trustedIssuers === undefined ? options.trustedIssuers : call.trustedIssuers;
    if (trusted) {
      run.check('trusted_issuer');
      const t = checkTrustedIssuer(trusted, issuerOf(doc) ?? '', typesOf(doc));
      if (t) run.fail(t);
    } else if (call.trustedIssuers !== null)
      run.warnings.push('trusted_issuer check not performed: no trusted issuers configured');
  }

  function shapeCheck(run: Run, doc: JsonObject, kind: 'credential' | 'presentation'): boolean {
    run.check('context');
    const v = vcVersion(doc);
    if (!v) {
      run.fail({
        check: 'context',
        reason: 'unknown_context',
        message: `the first @context must be ${VC_V1_CONTEXT} or https://www.w3.org/ns/credentials/v2, got ${JSON.stringify(contextsOf(doc)[0])}`,
      });
      return false;
    }
    const base = kind === 'credential' ? 'VerifiableCredential' : 'VerifiablePresentation';
    if (!typesOf(doc).includes(base)) {
      run.fail({ check: 'format', message: `type must include ${base}` });
      return false;
    }
    if (kind === 'credential') {
      if (!issuerOf(doc)) {
        run.fail({ check: 'format', message: 'credential has no issuer' });
        return false;
      }
      if (!asArray(doc.credentialSubject as unknown).length) {
        run.fail({ check: 'format', message: 'credential has no credentialSubject' });
        return false;
      }
    }
    return true;
  }

  async function verifyJwtSignature(
    run: Run,
    jwt: string,
    header: jose.ProtectedHeaderParameters,
    signer: string,
    relationships: ('assertionMethod' | 'authentication')[],
  ): Promise<boolean> {
    run.check('signature');
    run.check('issuer_key');
    let vms;
    try {
      vms = await keyLookup({ did: signer, kid: header.kid, relationships });
    } catch (e) {
      if (e instanceof KeyLookupError) run.fail({ check: 'issuer_key', reason: e.code, message: e.message });
      else run.fail({ check: 'issuer_key', reason: 'key_lookup_failed', message: (e as Error).message });
      return false;
    }
    let r;
    try {
      r = await verifyCompactWith(jwt, header.alg, vms);
    } catch (e) {
      run.fail({ check: 'signature', reason: 'key_unusable', message: (e as Error).message });
      return false;
    }
    if ('reason' in r) {
      run.fail({ check: 'signature', reason: r.reason, message: r.message });
      return false;
    }
    return true;
  }

  function decodeJwt(
    run: Run,
    jwt: string,
  ): { header: jose.ProtectedHeaderParameters; payload: JsonObject } | undefined {
    run.check('format');
    if (!JWT_SHAPE.test(jwt)) {
      run.fail({
        check: 'format',
        reason: 'malformed_jwt',
        message: 'not a compact JWS (three base64url parts)',
      });
      return undefined;
    }
    try {
      const header = jose.decodeProtectedHeader(jwt);
      const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as unknown;
      if (!isObject(payload)) throw new Error('payload is not a JSON object');
      return { header, payload };
    } catch (e) {
      run.fail({
        check: 'format',
        reason: 'malformed_jwt',
        message: `malformed JWT: ${(e as Error).message}`,
      });
      return undefined;
    }
  }

  async function verifyJwtCredential(
    run: Run,
    jwt: string,
    call: VerifyCallOptions,
    now: Date,
  ): Promise<{ doc: JsonObject; window: ValidityWindow } | undefined> {
    const d = decodeJwt(run, jwt);
    if (!d) return undefined;
    const { header, payload } = d;
    const typ = header.typ;
    let doc: JsonObject;
    if (typ !== undefined && VC_TYP.has(typ)) {
      if (header.cty !== undefined && !VC_CTY.has(header.cty)) {
        run.fail({
          check: 'format',
          reason: 'bad_media_type',
          message: `cty ${header.cty} is not a credential content type`,
        });
        return undefined;
      }
      if ('vc' in payload || 'vp' in payload) {
        run.fail({
          check: 'format',
          reason: 'vc_vp_claims',
          message: 'a VC-JOSE credential must not carry "vc" or "vp" claims',
        });
        return undefined;
      }
      doc = payload;
      if (payload.iss !== undefined && payload.iss !== issuerOf(doc)) {
        run.fail({
          check: 'format',
          message: `iss ${String(payload.iss)} differs from issuer ${String(issuerOf(doc))}`,
        });
        return undefined;
      }
    } else if (typ === undefined || PLAIN_TYP.has(typ)) {
      if (!isObject(payload.vc)) {
        run.fail({
          check: 'format',
          reason: 'bad_media_type',
          message: 'a JWT credential needs typ vc+jwt (VC-JOSE) or a "vc" claim (VC-JWT 1.1)',
        });
        return undefined;
      }
      doc = vc11FromJwt(payload);
    } else {
      run.fail({
        check: 'format',
        reason: 'bad_media_type',
        message: `typ ${typ} is not a credential media type`,
      });
      return undefined;
    }
    if (!shapeCheck(run, doc, 'credential')) return undefined;
    if (!(await verifyJwtSignature(run, jwt, header, issuerOf(doc)!, ['assertionMethod']))) return undefined;
    let window: ValidityWindow;
    try {
      window = validityWindow(doc, payload);
    } catch (e) {
      run.fail({ check: 'format', message: (e as FormatError).message });
      return undefined;
    }
    await modelChecks(run, doc, window, call, now);
    return { doc, window };
  }

  async function verifyDiCredential(
    run: Run,
    doc: JsonObject,
    call: VerifyCallOptions,
    now: Date,
  ): Promise<{ doc: JsonObject; window: ValidityWindow } | undefined> {
    run.check('format');
    if (doc.proof === undefined) {
      run.fail({
        check: 'format',
        reason: 'unsecured',
        message: 'credential has no proof and is not a JWT (unsecured credentials are not accepted)',
      });
      return undefined;
    }
    if (!shapeCheck(run, doc, 'credential')) return undefined;
    const unknown = contextsOf(doc).find((c) => typeof c === 'string' && !isKnownContextUrl(c));
    if (unknown !== undefined) {
      run.fail({
        check: 'context',
        reason: 'unknown_context',
        message: `JSON-LD context ${String(unknown)} is not one this connector knows; remote contexts are never fetched`,
      });
      return undefined;
    }
    let window: ValidityWindow;
    try {
      window = validityWindow(doc);
    } catch (e) {
      run.fail({ check: 'format', message: (e as FormatError).message });
      return undefined;
    }
    run.check('signature');
    run.check('issuer_key');
    const r = await diProofVerified(doc, now);
    if (!r.ok) {
      run.fail({ check: r.check ?? 'signature', message: r.message ?? 'the proof does not verify' });
      return undefined;
    }
    await modelChecks(run, doc, window, call, now);
    return { doc, window };
  }

  async function verifyAnyCredential(run: Run, input: unknown, call: VerifyCallOptions, now: Date) {
    if (typeof input === 'string') {
      const s = input.startsWith(ENVELOPED_VC_PREFIX)
        ? input.slice(ENVELOPED_VC_PREFIX.length)
        : input.trim();
      return verifyJwtCredential(run, s, call, now);
    }
    if (isObject(input)) {
      if (typesOf(input).includes('EnvelopedVerifiableCredential')) {
        run.check('format');
        const id = input.id;
        const media = typeof id === 'string' ? /^data:([^,;]+)/.exec(id)?.[1] : undefined;
        if (media && media !== 'application/vc+jwt' && media.startsWith('application/vc+')) {
          run.fail({
            check: 'format',
            reason: 'unsupported_media_type',
            message: `enveloped credential of type ${media} is not supported (application/vc+jwt is)`,
          });
          return undefined;
        }
        if (typeof id !== 'string' || !id.startsWith(ENVELOPED_VC_PREFIX)) {
          run.fail({
            check: 'format',
            reason: 'bad_enveloped_credential',
            message: `an EnvelopedVerifiableCredential id must be a ${ENVELOPED_VC_PREFIX}... URL`,
          });
          return undefined;
        }
        return verifyJwtCredential(run, id.slice(ENVELOPED_VC_PREFIX.length), call, now);
      }
      return verifyDiCredential(run, input, call, now);
    }
    run.check('format');
    run.fail({ check: 'format', message: 'a credential must be a JWT string or a JSON object' });
    return undefined;
  }

  async function verifyCredential(input: unknown, call: VerifyCallOptions = {}) {
    const run = new Run();
    const now = call.now ?? clock();
    const r = await verifyAnyCredential(run, input, call, now);
    const format =
      typeof input === 'string' ||
      (isObject(input) && typesOf(input).includes('EnvelopedVerifiableCredential'))
        ? 'jwt'
        : 'data-integrity';
    if (!r || run.errors.length) return { ...run.result({ format }), ...(r ? { document: r.doc } : {}) };
    return {
      ...run.result({ format, credentials: [toVerifiedCredential(r.doc, r.window)] }),
      document: r.doc,
    };
  }

  async function presentationCredentials(
    run: Run,
    vp: JsonObject,
    holder: string,
    call: VerifyCallOptions,
    now: Date,
  ): Promise<VerifiedCredential[]> {
    const list = asArray(vp.verifiableCredential as unknown);
    run.check('credentials');
    if (!list.length && call.requireCredentials !== false)
      run.fail({
        check: 'credentials',
        reason: 'no_credentials',
        message: 'the presentation holds no credential',
      });
    const out: VerifiedCredential[] = [];
    for (const [i, item] of list.entries()) {
      const sub = new Run(i);
      const r = await verifyAnyCredential(sub, item, call, now);
      if (
        call.unsupportedCredentials === 'warn' &&
        sub.errors.length === 1 &&
        sub.errors[0]!.reason === 'unsupported_media_type'
      ) {
        run.warnings.push(`credential ${i} not verified: ${sub.errors[0]!.message}`);
        continue;
      }
      for (const c of sub.checks) run.check(c);
      run.warnings.push(...sub.warnings.filter((w) => !run.warnings.includes(w)));
      for (const e of sub.errors) run.fail({ ...e, message: `credential ${i}: ${e.message}` });
      if (!r) continue;
      if (call.holderBinding === false) {
        if (!sub.errors.length) out.push(toVerifiedCredential(r.doc, r.window));
        continue;
      }
      run.check('holder_binding');
      const subjects = subjectIds(r.doc);
      if (!subjects.length || subjects.some((s) => s !== holder)) {
        run.fail({
          check: 'holder_binding',
          reason: 'holder_not_subject',
          credentialIndex: i,
          message: `credential ${i}: its subject ${JSON.stringify(subjects.length === 1 ? subjects[0] : subjects)} is not the presentation signer ${holder}`,
        });
        continue;
      }
      if (!sub.errors.length) out.push(toVerifiedCredential(r.doc, r.window));
    }
    return out;
  }

  async function verifyJwtPresentation(
    run: Run,
    jwt: string,
    call: VerifyCallOptions,
    now: Date,
  ): Promise<VerifyResult> {
    const d = decodeJwt(run, jwt);
    if (!d) return run.result({ format: 'jwt' });
    const { header, payload } = d;
    let vp: JsonObject;
    let holder: string | undefined;
    if (header.typ !== undefined && VP_TYP.has(header.typ)) {
      if (header.cty !== undefined && !VP_CTY.has(header.cty)) {
        run.fail({
          check: 'format',
          reason: 'bad_media_type',
          message: `cty ${header.cty} is not a presentation content type`,
        });
        return run.result({ format: 'jwt' });
      }
      if ('vc' in payload || 'vp' in payload) {
        run.fail({
          check: 'format',
          reason: 'vc_vp_claims',
          message: 'a VC-JOSE presentation must not carry "vc" or "vp" claims',
        });
        return run.result({ format: 'jwt' });
      }
      vp = payload;
      const h = isObject(vp.holder) ? vp.holder.id : vp.holder;
      if (h !== undefined && payload.iss !== undefined && h !== payload.iss) {
        run.fail({ check: 'format', message: `iss ${String(payload.iss)} differs from holder ${String(h)}` });
        return run.result({ format: 'jwt' });
      }
      holder = typeof h === 'string' ? h : typeof payload.iss === 'string' ? payload.iss : undefined;
    } else if (header.typ === undefined || PLAIN_TYP.has(header.typ)) {
      if (!isObject(payload.vp)) {
        run.fail({
          check: 'format',
          reason: 'bad_media_type',
          message: 'a JWT presentation needs typ vp+jwt (VC-JOSE) or a "vp" claim (VC-JWT 1.1)',
        });
        return run.result({ format: 'jwt' });
      }
      vp = payload.vp;
      holder = typeof payload.iss === 'string' ? payload.iss : undefined;
      const h = isObject(vp.holder) ? vp.holder.id : vp.holder;
      if (h !== undefined && h !== holder) {
        run.fail({ check: 'format', message: `iss ${String(holder)} differs from holder ${String(h)}` });
        return run.result({ format: 'jwt' });
      }
    } else {
      run.fail({
        check: 'format',
        reason: 'bad_media_type',
        message: `typ ${header.typ} is not a presentation media type`,
      });
      return run.result({ format: 'jwt' });
    }
    if (!shapeCheck(run, vp, 'presentation')) return run.result({ format: 'jwt' });
    if (!holder) {
      run.fail({ check: 'format', message: 'the presentation names no holder (holder or iss)' });
      return run.result({ format: 'jwt' });
    }
    if (!(await verifyJwtSignature(run, jwt, header, holder, ['authentication', 'assertionMethod'])))
      return run.result({ format: 'jwt', holder });
    run.check('validity_period');
    try {
      const w = checkWindow(validityWindow({}, payload), now, skew, 'presentation');
      if (w) run.fail(w);
    } catch (e) {
      run.fail({ check: 'format', message: (e as Error).message });
    }
    if (call.audience !== undefined) {
      run.check('audience');
      const aud = asArray(payload.aud as string | string[]);
      if (!aud.includes(call.audience))
        run.fail({
          check: 'audience',
          reason: 'wrong_audience',
          message: `presentation aud ${JSON.stringify(payload.aud)} does not include ${call.audience}`,
        });
    }
    const credentials = await presentationCredentials(run, vp, holder, call, now);
    return run.result({ format: 'jwt', holder, ...(run.errors.length ? {} : { credentials }) });
  }

  async function verifyDiPresentation(
    run: Run,
    vp: JsonObject,
    call: VerifyCallOptions,
    now: Date,
  ): Promise<VerifyResult> {
    run.check('format');
    if (vp.proof === undefined) {
      run.fail({
        check: 'format',
        reason: 'unsecured',
        message: 'presentation has no proof and is not a JWT (unsecured presentations are not accepted)',
      });
      return run.result({ format: 'data-integrity' });
    }
    if (!shapeCheck(run, vp, 'presentation')) return run.result({ format: 'data-integrity' });
    const unknown = contextsOf(vp).find((c) => typeof c === 'string' && !isKnownContextUrl(c));
    if (unknown !== undefined) {
      run.fail({
        check: 'context',
        reason: 'unknown_context',
        message: `JSON-LD context ${String(unknown)} is not one this connector knows; remote contexts are never fetched`,
      });
      return run.result({ format: 'data-integrity' });
    }
    const proofs = asArray(vp.proof as JsonObject | JsonObject[]);
    const vmRef = isObject(proofs[0]) ? proofs[0].verificationMethod : undefined;
    const vmId =
      typeof vmRef === 'string'
        ? vmRef
        : isObject(vmRef) && typeof vmRef.id === 'string'
          ? vmRef.id
          : undefined;
    const h = isObject(vp.holder) ? vp.holder.id : vp.holder;
    const signerDid = vmId?.split('#')[0];
    const holder = typeof h === 'string' ? h : signerDid;
    run.check('signature');
    run.check('issuer_key');
    if (!holder || !vmId) {
      run.fail({ check: 'format', message: 'the presentation proof names no verificationMethod' });
      return run.result({ format: 'data-integrity' });
    }
    if (signerDid !== holder) {
      run.fail({
        check: 'issuer_key',
        reason: 'key_not_controlled',
        message: `the presentation is signed with ${vmId}, not a key of its holder ${holder}`,
      });
      return run.result({ format: 'data-integrity', holder });
    }
    if (call.audience !== undefined) run.check('audience');
    const r = await verifyDiPresentationProof(vp, loader, {
      domain: call.audience,
      challenge: call.challenge,
    });
    if (!r.ok) {
      run.fail({
        check: r.check ?? 'signature',
        message: r.message ?? 'the presentation proof does not verify',
      });
      return run.result({ format: 'data-integrity', holder });
    }
    const credentials = await presentationCredentials(run, vp, holder, call, now);
    return run.result({ format: 'data-integrity', holder, ...(run.errors.length ? {} : { credentials }) });
  }

  async function verifyPresentation(input: unknown, call: VerifyCallOptions = {}): Promise<VerifyResult> {
    const run = new Run();
    const now = call.now ?? clock();
    if (typeof input === 'string') return verifyJwtPresentation(run, input.trim(), call, now);
    if (isObject(input)) {
      if (
        typesOf(input).includes('EnvelopedVerifiablePresentation') &&
        typeof input.id === 'string' &&
        input.id.startsWith('data:application/vp+jwt,')
      ) {
        return verifyJwtPresentation(run, input.id.slice('data:application/vp+jwt,'.length), call, now);
      }
      return verifyDiPresentation(run, input, call, now);
    }
    run.check('format');
    run.fail({ check: 'format', message: 'a presentation must be a JWT string or a JSON object' });
    return run.result();
  }

  return { verifyCredential, verifyPresentation };
}

/** VC-JWT 1.1: the credential is the `vc` claim, completed from the registered claims. */
function vc11FromJwt(payload: JsonObject): JsonObject {
  const vc = { ...(payload.vc as JsonObject) };
  if (typeof payload.iss === 'string') {
    if (isObject(vc.issuer)) vc.issuer = { ...vc.issuer, id: payload.iss };
    else vc.issuer = payload.iss;
  }
  if (typeof payload.jti === 'string' && vc.id === undefined) vc.id = payload.jti;
  if (typeof payload.sub === 'string') {
    const subjects = asArray(vc.credentialSubject as JsonObject | JsonObject[]);
    if (subjects.length === 1 && isObject(subjects[0]) && subjects[0].id === undefined)
      vc.credentialSubject = { ...subjects[0], id: payload.sub };
    else if (!subjects.length) vc.credentialSubject = { id: payload.sub };
  }
  return vc;
}
