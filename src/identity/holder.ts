/**
 * The holder side besides the presentation query: presenting held credentials, importing a
 * credential (verified before stored), and the DCP storage API through which an issuer delivers
 * credentials (POST /credentials with a CredentialMessage).
 */
import { randomUUID } from 'node:crypto';
import { ForbiddenError, PontisError, UnprocessableError, ValidationError } from '../errors.js';
import { asArray, isObject, subjectIds } from './credential-model.js';
import type { JsonObject } from './credential-model.js';
import { verifySelfIssuedToken } from './dcp.js';
import { issuePresentation } from './issue.js';
import type { DataIntegritySuite } from './data-integrity.js';
import type { SigningKey } from './keys.js';
import type { DidResolver } from './resolver.js';
import type { CredentialStore, HeldCredential, JtiStore } from './stores.js';
import type { CredentialVerifier } from './verifier.js';

/**
 * The `present` function for answerPresentationQuery: one JWT presentation (VC-JOSE vp+jwt, or
 * VC-JWT 1.1 when every credential is a 1.1 JWT) holding every selected credential; or, with
 * format 'data-integrity' and only Data Integrity credentials, a Data Integrity presentation.
 */
export function createPresenter(
  ownDid: string,
  key: SigningKey,
  options: { format?: 'jwt' | 'data-integrity'; suite?: DataIntegritySuite } = {},
) {
  return async ({
    credentials,
    audience,
    now,
  }: {
    credentials: (string | JsonObject)[];
    audience: string;
    now: Date;
  }) => {
    const di =
      options.format === 'data-integrity' &&
      key.curve === 'Ed25519' &&
      credentials.every((c) => typeof c !== 'string');
    return [
      await issuePresentation({
        holderDid: ownDid,
        key,
        credentials,
        audience,
        now,
        format: di ? 'data-integrity' : 'jwt',
        suite: options.suite,
      }),
    ];
  };
}

/**
 * Verifies a credential offered to us and stores it: it must verify (signature, issuer key,
 * validity, status, trusted issuer as the verifier is configured) and be about us.
 */
export async function importCredential(
  raw: unknown,
  o: { ownDid: string; verifier: CredentialVerifier; store: CredentialStore; now?: Date },
): Promise<HeldCredential> {
  if (typeof raw !== 'string' && !isObject(raw))
    throw new ValidationError('a credential is a JWT string or a JSON object');
  const r = await o.verifier.verifyCredential(raw, { now: o.now });
  if (!r.verified || !r.document) {
    const e = r.errors[0];
    throw new UnprocessableError(
      `the credential does not verify${e ? ` (${e.check}): ${e.message}` : ''}`,
      { errors: r.errors, checks: r.checks },
      e ? `credential_${e.check}` : 'credential_invalid',
    );
  }
  const subjects = subjectIds(r.document);
  if (!subjects.length || subjects.some((s) => s !== o.ownDid)) {
    throw new UnprocessableError(
      `the credential is about ${JSON.stringify(subjects)}, not about this connector (${o.ownDid})`,
      undefined,
      'credential_not_ours',
    );
  }
  const vc = r.credentials![0]!;
  const held: HeldCredential = {
    id: vc.id ?? `urn:uuid:${randomUUID()}`,
    format: typeof raw === 'string' ? 'jwt' : 'json-ld',
    types: vc.types,
    issuer: vc.issuer,
    credential: raw as string | JsonObject,
    ...(vc.validUntil ? { validUntil: vc.validUntil } : {}),
    receivedAt: o.now ?? new Date(),
  };
  await o.store.put(held);
  return held;
}

export interface StorageApiOptions {
  ownDid: string;
  resolver: DidResolver;
  jtiStore: JtiStore;
  verifier: CredentialVerifier;
  store: CredentialStore;
  now?: () => Date;
}

/**
 * POST /credentials (DCP storage API): an issuer, authenticated by its self-issued token (aud =
 * us), delivers a CredentialMessage. Each credential must be issued by the caller, verify and be
 * about us; nothing is stored unless all are.
 */
export async function receiveCredentialMessage(
  authorization: string | undefined,
  body: unknown,
  o: StorageApiOptions,
): Promise<HeldCredential[]> {
  const now = (o.now ?? (() => new Date()))();
  const checked = await verifySelfIssuedToken(authorization, {
    ownDid: o.ownDid,
    resolver: o.resolver,
    jtiStore: o.jtiStore,
    now,
    requireToken: false,
    relationships: ['capabilityInvocation', 'authentication'],
  });
  if (!isObject(body) || body.type !== 'CredentialMessage')
    throw new PontisError(400, 'invalid_credential_message', 'the body must be a DCP CredentialMessage');
  if (body.status !== undefined && body.status !== 'ISSUED') return [];
  const containers = asArray(body.credentials as unknown);
  if (!containers.length)
    throw new PontisError(400, 'invalid_credential_message', 'the CredentialMessage holds no credential');
  const staged: HeldCredential[] = [];
  const scratch = { ...o.store, put: async (c: HeldCredential) => void staged.push(c) } as CredentialStore;
  for (const [i, c] of containers.entries()) {
    if (
      !isObject(c) ||
      (c.format !== 'jwt' &&
        c.format !== 'json-ld' &&
        c.format !== 'vc-jose' &&
        c.format !== 'ldp_vc' &&
        c.format !== 'jwt_vc')
    ) {
      throw new PontisError(
        400,
        'invalid_credential_message',
        `credentials[${i}] needs format jwt or json-ld and a payload`,
      );
    }
    const payload = typeof c.payload === 'string' && c.format === 'json-ld' ? safeJson(c.payload) : c.payload;
    const held = await importCredential(payload, {
      ownDid: o.ownDid,
      verifier: o.verifier,
      store: scratch,
      now,
    });
    if (held.issuer !== checked.did)
      throw new ForbiddenError(
        `credentials[${i}] was issued by ${held.issuer}, not by the caller ${checked.did}`,
        undefined,
        'credential_not_from_caller',
      );
  }
  for (const h of staged) await o.store.put(h);
  return staged;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('a json-ld payload is not JSON');
  }
}
