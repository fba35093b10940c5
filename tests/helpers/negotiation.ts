/**
 * Test doubles for the negotiation tests. The identity double stands in for DCP: a caller's token
 * is `Bearer negtest.<base64url {iss, aud}>`; `authenticate` checks the audience is this connector and
 * returns the participant `credentials[iss]` says (production code calls the same seam,
 * `services.identity.authenticate`). The catalogue double resolves offers from a list; the audit
 * double keeps entries in memory.
 */
import { UnauthorizedError } from '../../src/errors.js';
import type { VerifiedCredential } from '../../src/identity/participant.js';
import type { ModuleFactory } from '../../src/runtime/module.js';
import type { ResolvedOffer } from '../../src/runtime/services.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { management } from './connector.js';

export const MEMBERSHIP: VerifiedCredential = {
  types: ['VerifiableCredential', 'MembershipCredential'],
  issuer: 'did:web:authority.example',
  subject: {},
};

export function negtestToken(iss: string, aud: string): string {
  return `Bearer negtest.${Buffer.from(JSON.stringify({ iss, aud })).toString('base64url')}`;
}

/** `credentials(did)` gives the verified credentials of a caller (default: a membership credential). */
export function negtestIdentity(
  credentials: (did: string) => VerifiedCredential[] = () => [MEMBERSHIP],
): ModuleFactory {
  return (ctx) => {
    const did = ctx.services.did;
    ctx.services.identity = {
      did,
      authenticate(authorization) {
        const m = /^Bearer negtest\.(.+)$/.exec(authorization ?? '');
        if (!m) return Promise.reject(new UnauthorizedError('no test token', 'dcp_invalid_token'));
        const t = JSON.parse(Buffer.from(m[1]!, 'base64url').toString()) as { iss: string; aud: string };
        if (t.aud !== did)
          return Promise.reject(new UnauthorizedError('wrong audience', 'dcp_wrong_audience'));
        return Promise.resolve({
          did: t.iss,
          credentials: credentials(t.iss).map((c) => ({ ...c, subject: { ...c.subject, id: t.iss } })),
        });
      },
      authorizationFor: (aud) => Promise.resolve(negtestToken(did, aud)),
      sign: () => Promise.reject(new Error('not in the test double')),
      verifyOwn: () => Promise.reject(new Error('not in the test double')),
      publicJwk: () => ({}),
    };
    return { name: 'negtest-identity' };
  };
}

export const MEMBERS_ONLY = {
  '@type': 'Offer',
  '@id': 'ignored',
  permission: [
    {
      action: 'use',
      constraint: [
        { leftOperand: 'https://w3id.org/pontis/policy/membership', operator: 'eq', rightOperand: 'true' },
      ],
    },
  ],
};

export const OPEN_POLICY = { '@type': 'Offer', '@id': 'ignored', permission: [{ action: 'use' }] };

/** An offer as the catalogue resolves it: id `<def>:<asset>:1`, dataset = asset. */
export function offerFor(
  assetId: string,
  policy: Record<string, unknown> = MEMBERS_ONLY,
  mode: 'auto' | 'manual' = 'auto',
  def = 'CD1',
): ResolvedOffer {
  const offerId = `${def}:${assetId}:1`;
  return {
    offerId,
    offerDefinitionId: def,
    datasetId: assetId,
    assetId,
    policy: { ...policy, '@id': offerId },
    negotiationMode: mode,
    transferMode: 'auto',
  };
}

export function negtestCatalog(offers: ResolvedOffer[]): ModuleFactory {
  return (ctx) => {
    ctx.services.catalog = {
      resolveOffer: ({ offerId, datasetId }) =>
        Promise.resolve(offers.find((o) => o.offerId === offerId && o.datasetId === datasetId)),
      dataAddress: () => Promise.resolve(undefined),
    };
    return { name: 'negtest-catalog' };
  };
}

export interface AuditRecord {
  type: string;
  actor: string;
  subjects: Record<string, string | undefined>;
  content: Record<string, unknown>;
}

export function negtestAudit(into: AuditRecord[]): ModuleFactory {
  return (ctx) => {
    ctx.services.audit = {
      append: (_tx, entry) => {
        into.push(entry);
        return Promise.resolve({ seq: into.length });
      },
    };
    return { name: 'negtest-audit' };
  };
}

/** The offer a consumer sends: the catalogue's offer with the dataset as target. */
export function requestOffer(o: ResolvedOffer): Record<string, unknown> {
  return { ...o.policy, '@id': o.offerId, target: o.datasetId };
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Polls the management API until the negotiation is in `state` (or fails after `ms`). */
export async function waitForState(
  c: RunningConnector,
  id: string,
  state: string | ((s: string) => boolean),
  ms = 10_000,
): Promise<Record<string, unknown>> {
  const ok = typeof state === 'string' ? (s: string) => s === state : state;
  const until = Date.now() + ms;
  let last: Record<string, unknown> | undefined;
  for (;;) {
    const res = await management(c, `/v1/negotiations/${encodeURIComponent(id)}`);
    if (res.status === 200) {
      const body = await json(res);
      last = body;
      if (ok(String(body.state))) return body;
    }
    if (Date.now() > until) {
      throw new Error(`negotiation ${id} did not reach ${String(state)}: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The one negotiation `c` holds (in the role given) whose counter-party pid is `pid`. */
export async function findByPeerPid(c: RunningConnector, pid: string, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await c.db.query<{ id: string }>(
      'SELECT id FROM negotiations WHERE consumer_pid = $1 OR provider_pid = $1',
      [pid],
    );
    const other = r.rows.find((x) => x.id !== pid);
    if (other) return other.id;
    if (Date.now() > until) throw new Error(`no negotiation with peer pid ${pid}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}
