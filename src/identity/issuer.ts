/**
 * The issuer role: issues MembershipCredential and template-described types (VC-JOSE or Data
 * Integrity) with a Bitstring Status List entry, publishes the status list credential, revokes,
 * and runs DCP issuance: a connector sends a CredentialRequestMessage; with the onboarding secret
 * it is approved at once, otherwise it waits for an operator; the credential is delivered to the
 * holder's credential service (DCP storage API). Storage through the plain Queryable interface.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, PontisError, ValidationError } from '../errors.js';
import type { Database, Queryable } from '../store/db.js';
import { PONTIS_CREDENTIALS_CONTEXT } from './contexts.js';
import type { JsonObject } from './credential-model.js';
import { isObject } from './credential-model.js';
import { createSelfIssuedToken, verifySelfIssuedToken } from './dcp.js';
import { findService } from './did.js';
import type { FetchJson } from './http.js';
import { issueCredential } from './issue.js';
import type { CredentialFormat } from './issue.js';
import type { KeyRing } from './keys.js';
import type { DidResolver } from './resolver.js';
import { buildStatusListCredential, statusEntry } from './status-list.js';
import type { JtiStore } from './stores.js';
import { DCP_CONTEXT_URL } from '../protocol/jsonld/document-loader.js';

export const ISSUER_SERVICE_TYPE = 'IssuerService';
export const ONBOARDING_SECRET_HEADER = 'x-pontis-onboarding-secret';
/** Outbox topic of deliveries to holders (retried with backoff; idempotent: the holder replaces by id). */
export const DELIVERY_TOPIC = 'issuer.deliver';

export interface CredentialTemplate {
  claims: Record<string, unknown>;
  validityDays: number;
  context: string[];
}

export interface IssuerOptions {
  did: string;
  keys: KeyRing;
  db: Database;
  /** Base URL of the issuer endpoints on the protocol listener (…/issuer). */
  baseUrl: string;
  format: Exclude<CredentialFormat, 'vc-jwt'>;
  membership: { validityDays: number; memberOf: string };
  templates: Record<string, CredentialTemplate>;
  onboardingSecret?: string;
  statusListLength: number;
  resolver: DidResolver;
  jtiStore: JtiStore;
  fetchJson: FetchJson;
  /**
   * The outbox: when given, deliveries are enqueued in the transaction that issues and sent by
   * the dispatcher (register `handlers()`); otherwise they are made inline, once.
   */
  enqueue?: (tx: Queryable, message: { topic: string; payload: unknown; key?: string }) => Promise<unknown>;
  now?: () => Date;
}

export interface IssuedRecord {
  id: string;
  holderDid: string;
  holderPid?: string;
  credentialType: string;
  status: 'RECEIVED' | 'ISSUED' | 'REJECTED';
  claims: Record<string, unknown>;
  statusIndex?: number;
  credential?: string | JsonObject;
  reason?: string;
  createdAt: Date;
  issuedAt?: Date;
  revokedAt?: Date;
  deliveredAt?: Date;
  deliveryError?: string;
}

interface Row {
  id: string;
  holder_did: string;
  holder_pid: string | null;
  credential_type: string;
  status: IssuedRecord['status'];
  claims: Record<string, unknown>;
  status_index: number | null;
  credential: string | JsonObject | null;
  reason: string | null;
  created_at: Date;
  issued_at: Date | null;
  revoked_at: Date | null;
  delivered_at: Date | null;
  delivery_error: string | null;
}

const toRecord = (r: Row): IssuedRecord => ({
  id: r.id,
  holderDid: r.holder_did,
  ...(r.holder_pid ? { holderPid: r.holder_pid } : {}),
  credentialType: r.credential_type,
  status: r.status,
  claims: r.claims,
  ...(r.status_index !== null ? { statusIndex: r.status_index } : {}),
  ...(r.credential !== null ? { credential: r.credential } : {}),
  ...(r.reason ? { reason: r.reason } : {}),
  createdAt: r.created_at,
  ...(r.issued_at ? { issuedAt: r.issued_at } : {}),
  ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  ...(r.delivered_at ? { deliveredAt: r.delivered_at } : {}),
  ...(r.delivery_error ? { deliveryError: r.delivery_error } : {}),
});

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createIssuer(o: IssuerOptions) {
  const clock = o.now ?? (() => new Date());
  const listId = `${o.baseUrl}/status/revocation`;
  const types = [
    'MembershipCredential',
    ...Object.keys(o.templates).filter((t) => t !== 'MembershipCredential'),
  ];

  async function ensureList(q: Queryable) {
    await q.query(
      `INSERT INTO issuer_status_lists (id, purpose, bits) VALUES ($1, 'revocation', $2) ON CONFLICT (id) DO NOTHING`,
      [listId, new Uint8Array(o.statusListLength / 8)],
    );
  }

  /** The DID of the holder calling a DCP issuer endpoint (its self-issued token; no access token needed). */
  const holder = (authorization: string | undefined) =>
    verifySelfIssuedToken(authorization, {
      ownDid: o.did,
      resolver: o.resolver,
      jtiStore: o.jtiStore,
      requireToken: false,
      now: clock(),
    });

  async function get(id: string, q: Queryable = o.db): Promise<IssuedRecord> {
    const r = await q.query<Row>('SELECT * FROM issuer_credentials WHERE id = $1', [id]);
    if (!r.rows[0]) throw new NotFoundError(`no issued credential or request ${id}`);
    return toRecord(r.rows[0]);
  }

  function unsignedCredential(
    id: string,
    holderDid: string,
    type: string,
    claims: Record<string, unknown>,
    index: number,
  ): JsonObject {
    const now = clock();
    const t =
      type === 'MembershipCredential'
        ? {
            claims: { memberOf: o.membership.memberOf, membershipType: 'full', since: now.toISOString() },
            validityDays: o.membership.validityDays,
            context: [],
          }
        : o.templates[type];
    if (!t)
      throw new ValidationError(
        `this issuer has no template for ${type} (it issues ${types.join(', ')})`,
        undefined,
        'unknown_credential_type',
      );
    const subject = { ...t.claims, ...claims, id: holderDid };
    return {
      '@context': ['https://www.w3.org/ns/credentials/v2', PONTIS_CREDENTIALS_CONTEXT, ...t.context],
      id: `urn:uuid:${id}`,
      type: ['VerifiableCredential', type],
      issuer: o.did,
      validFrom: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      validUntil: new Date(now.getTime() + t.validityDays * 86_400_000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      credentialSubject: subject,
      credentialStatus: statusEntry(listId, index, 'revocation'),
    };
  }

  /** Issues (or re-issues a RECEIVED request) and stores the credential; does not deliver. */
  async function issueRecord(
    id: string,
    holderDid: string,
    type: string,
    claims: Record<string, unknown>,
    holderPid?: string,
    deliver = false,
  ): Promise<IssuedRecord> {
    const rec = await o.db.transaction(async (tx) => {
      await ensureList(tx);
      const alloc = await tx.query<{ idx: number }>(
        'UPDATE issuer_status_lists SET next_index = next_index + 1 WHERE id = $1 AND next_index < $2 RETURNING next_index - 1 AS idx',
        [listId, o.statusListLength],
      );
      if (!alloc.rows[0])
        throw new ConflictError(
          'the status list is full; configure a larger issuer.statusListLength',
          undefined,
          'status_list_full',
        );
      const index = Number(alloc.rows[0].idx);
      const credential = await issueCredential({
        credential: unsignedCredential(id, holderDid, type, claims, index),
        format: o.format,
        issuerDid: o.did,
        key: o.keys.current,
        now: clock(),
      });
      await tx.query(
        `INSERT INTO issuer_credentials (id, holder_did, holder_pid, credential_type, status, claims, status_list, status_index, credential, issued_at)
         VALUES ($1, $2, $3, $4, 'ISSUED', $5, $6, $7, $8, now())
         ON CONFLICT (id) DO UPDATE SET status = 'ISSUED', status_list = EXCLUDED.status_list, status_index = EXCLUDED.status_index,
           credential = EXCLUDED.credential, issued_at = now()`,
        [
          id,
          holderDid,
          holderPid ?? null,
          type,
          JSON.stringify(claims),
          listId,
          index,
          JSON.stringify(credential),
        ],
      );
      if (deliver && o.enqueue) await o.enqueue(tx, { topic: DELIVERY_TOPIC, payload: { id }, key: id });
      return get(id, tx);
    });
    return deliver && !o.enqueue ? attemptDelivery(rec) : rec;
  }

  /** Delivers an issued credential to the holder's credential service (DCP storage API); throws on failure. */
  async function deliverOrThrow(record: IssuedRecord): Promise<void> {
    {
      const doc = await o.resolver.resolve(record.holderDid);
      const cs = findService(doc, 'CredentialService');
      if (!cs)
        throw new PontisError(
          502,
          'no_credential_service',
          `the DID document of ${record.holderDid} lists no CredentialService`,
        );
      const bearer = await createSelfIssuedToken({
        ownDid: o.did,
        key: o.keys.current,
        audience: record.holderDid,
        scopes: [],
        now: clock(),
      });
      await o.fetchJson(cs.replace(/\/+$/, '') + '/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}` },
        body: {
          '@context': [DCP_CONTEXT_URL],
          type: 'CredentialMessage',
          issuerPid: record.id,
          holderPid: record.holderPid ?? record.id,
          status: 'ISSUED',
          credentials: [
            {
              credentialType: record.credentialType,
              payload: record.credential,
              format: typeof record.credential === 'string' ? 'jwt' : 'json-ld',
            },
          ],
        },
      });
      await o.db.query(
        'UPDATE issuer_credentials SET delivered_at = now(), delivery_error = NULL WHERE id = $1',
        [record.id],
      );
    }
  }

  /** One delivery attempt; a failure is recorded on the record (delivery_error), not thrown. */
  async function attemptDelivery(record: IssuedRecord): Promise<IssuedRecord> {
    try {
      await deliverOrThrow(record);
    } catch (e) {
      await o.db.query('UPDATE issuer_credentials SET delivery_error = $2 WHERE id = $1', [
        record.id,
        (e as Error).message,
      ]);
    }
    return get(record.id);
  }

  return {
    did: o.did,
    listId,
    types,
    get,
    async list(): Promise<IssuedRecord[]> {
      return (await o.db.query<Row>('SELECT * FROM issuer_credentials ORDER BY created_at, id')).rows.map(
        toRecord,
      );
    },
    /** Operator issuance (management API, CLI). */
    async issue(input: {
      holderDid: string;
      type?: string;
      claims?: Record<string, unknown>;
      deliver?: boolean;
    }): Promise<IssuedRecord> {
      if (!input.holderDid?.startsWith('did:'))
        throw new ValidationError('holderDid must be a DID', { pointer: '/holderDid' });
      const rec = await issueRecord(
        randomUUID(),
        input.holderDid,
        input.type ?? 'MembershipCredential',
        input.claims ?? {},
        undefined,
        input.deliver ?? false,
      );
      return rec;
    },
    async revoke(id: string): Promise<IssuedRecord> {
      const rec = await get(id);
      if (rec.status !== 'ISSUED' || rec.statusIndex === undefined)
        throw new ConflictError(`${id} is ${rec.status}, not an issued credential`);
      const i = rec.statusIndex;
      // PostgreSQL numbers bits from the least significant bit of each byte; the lists, from the most.
      await o.db.transaction(async (tx) => {
        await tx.query(
          'UPDATE issuer_status_lists SET bits = set_bit(bits, $2, 1), updated_at = now() WHERE id = $1',
          [listId, (i >> 3) * 8 + (7 - (i & 7))],
        );
        await tx.query(
          'UPDATE issuer_credentials SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1',
          [id],
        );
      });
      return get(id);
    },
    /** The signed status list credential, as served at `listId`. */
    async statusListCredential(): Promise<string | JsonObject> {
      await ensureList(o.db);
      const r = await o.db.query<{ bits: Uint8Array }>('SELECT bits FROM issuer_status_lists WHERE id = $1', [
        listId,
      ]);
      const bits = r.rows[0]!.bits;
      const cred = buildStatusListCredential({
        id: listId,
        issuer: o.did,
        purpose: 'revocation',
        list: { bits, length: bits.length * 8 },
        validFrom: new Date(clock().getTime() - 60_000),
      });
      return issueCredential({
        credential: cred,
        format: o.format,
        issuerDid: o.did,
        key: o.keys.current,
        now: clock(),
      });
    },
    /** DCP: GET …/metadata. */
    metadata() {
      return {
        '@context': [DCP_CONTEXT_URL],
        type: 'IssuerMetadata',
        issuer: o.did,
        credentialsSupported: types.map((t) => ({
          id: t,
          type: 'CredentialObject',
          credentialType: t,
          offerReason: 'onboarding',
          credentialSchema: `${o.baseUrl}/schemas/${t}`,
          bindingMethods: ['did:web'],
          profile: o.format === 'vc-jose' ? 'vc20-bssl/jwt' : 'vc20-bssl/ldp',
        })),
      };
    },
    /** DCP: POST …/credentials (CredentialRequestMessage). Approved at once with the onboarding secret. */
    async request(
      authorization: string | undefined,
      body: unknown,
      secret: string | undefined,
    ): Promise<IssuedRecord> {
      const checked = await holder(authorization);
      if (
        !isObject(body) ||
        body.type !== 'CredentialRequestMessage' ||
        typeof body.holderPid !== 'string' ||
        !Array.isArray(body.credentials) ||
        !body.credentials.length
      ) {
        throw new ValidationError(
          'the body must be a DCP CredentialRequestMessage with holderPid and credentials',
          undefined,
          'invalid_credential_request',
        );
      }
      const wanted = (body.credentials as unknown[]).map((c) =>
        isObject(c) && typeof c.id === 'string' ? c.id : '',
      );
      const type = wanted[0]!;
      if (wanted.length !== 1 || !types.includes(type))
        throw new ValidationError(
          `request one credential object id of ${types.join(', ')}`,
          undefined,
          'unknown_credential_type',
        );
      const id = randomUUID();
      if (o.onboardingSecret && secret !== undefined && sameSecret(secret, o.onboardingSecret)) {
        return issueRecord(id, checked.did, type, {}, body.holderPid, true);
      }
      if (secret !== undefined)
        throw new ForbiddenError('the onboarding secret is wrong', undefined, 'wrong_onboarding_secret');
      await o.db.query(
        `INSERT INTO issuer_credentials (id, holder_did, holder_pid, credential_type, status) VALUES ($1, $2, $3, $4, 'RECEIVED')`,
        [id, checked.did, body.holderPid, type],
      );
      return get(id);
    },
    /** DCP: GET …/requests/{id}, by the holder that asked. */
    async requestStatus(authorization: string | undefined, id: string) {
      const checked = await holder(authorization);
      const rec = await get(id);
      if (rec.holderDid !== checked.did) throw new NotFoundError(`no request ${id}`);
      return {
        '@context': [DCP_CONTEXT_URL],
        type: 'CredentialStatus',
        issuerPid: rec.id,
        holderPid: rec.holderPid ?? rec.id,
        status: rec.status,
      };
    },
    /** Operator decision on a waiting request. */
    async approve(id: string): Promise<IssuedRecord> {
      const rec = await get(id);
      if (rec.status !== 'RECEIVED') throw new ConflictError(`${id} is ${rec.status}, not waiting`);
      return issueRecord(id, rec.holderDid, rec.credentialType, rec.claims, rec.holderPid, true);
    },
    async reject(id: string, reason = 'rejected by the operator'): Promise<IssuedRecord> {
      const rec = await get(id);
      if (rec.status !== 'RECEIVED') throw new ConflictError(`${id} is ${rec.status}, not waiting`);
      await o.db.query(`UPDATE issuer_credentials SET status = 'REJECTED', reason = $2 WHERE id = $1`, [
        id,
        reason,
      ]);
      return get(id);
    },
    /** Outbox handlers to register when `enqueue` is given. */
    handlers() {
      return {
        [DELIVERY_TOPIC]: {
          handle: async (payload: unknown) => {
            const id = isObject(payload) && typeof payload.id === 'string' ? payload.id : '';
            const rec = await get(id);
            try {
              await deliverOrThrow(rec);
            } catch (e) {
              await o.db.query('UPDATE issuer_credentials SET delivery_error = $2 WHERE id = $1', [
                id,
                (e as Error).message,
              ]);
              throw e;
            }
          },
        },
      };
    },
  };
}

export type Issuer = ReturnType<typeof createIssuer>;

/** Connector side of onboarding: ask an issuer (found by its DID) for a credential. */
export async function requestCredential(o: {
  ownDid: string;
  keys: KeyRing;
  issuerDid: string;
  credentialType: string;
  onboardingSecret?: string;
  resolver: DidResolver;
  fetchJson: FetchJson;
}): Promise<{ issuerPid: string; status: string }> {
  const doc = await o.resolver.resolve(o.issuerDid);
  const base = findService(doc, ISSUER_SERVICE_TYPE);
  if (!base)
    throw new PontisError(
      502,
      'no_issuer_service',
      `the DID document of ${o.issuerDid} lists no ${ISSUER_SERVICE_TYPE}`,
    );
  const bearer = await createSelfIssuedToken({
    ownDid: o.ownDid,
    key: o.keys.current,
    audience: o.issuerDid,
    scopes: [],
  });
  const r = await o.fetchJson(base.replace(/\/+$/, '') + '/credentials', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(o.onboardingSecret ? { [ONBOARDING_SECRET_HEADER]: o.onboardingSecret } : {}),
    },
    body: {
      '@context': [DCP_CONTEXT_URL],
      type: 'CredentialRequestMessage',
      holderPid: randomUUID(),
      credentials: [{ id: o.credentialType }],
    },
  });
  if (!isObject(r) || typeof r.issuerPid !== 'string')
    throw new PontisError(502, 'invalid_issuer_response', 'the issuer did not answer a CredentialStatus');
  return { issuerPid: r.issuerPid, status: String(r.status) };
}
