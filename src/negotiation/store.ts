/**
 * Rows of the negotiation tables and the queries on them (plain SQL on a `Queryable`).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/canonical.js';
import type { VerifiedParticipant } from '../identity/participant.js';
import type { NegotiationState, MessageOffer, Agreement } from '../protocol/index.js';
import type { ResolvedOffer } from '../runtime/services.js';
import type { Queryable } from '../store/db.js';
import type { Role } from './transitions.js';

export interface NegotiationRow {
  id: string;
  role: Role;
  state: NegotiationState;
  provider_pid: string | null;
  consumer_pid: string | null;
  counter_party_did: string;
  counter_party_address: string;
  dataset_id: string | null;
  offer_id: string | null;
  offer: MessageOffer | null;
  requested_offer: MessageOffer | null;
  resolved_offer: ResolvedOffer | null;
  participant: VerifiedParticipant | null;
  manual: boolean;
  agreement_id: string | null;
  termination: { code?: string; reason?: unknown[]; by: string } | null;
  created_at: Date;
  updated_at: Date;
}

export interface HistoryRow {
  id: number;
  from_state: NegotiationState | null;
  to_state: NegotiationState;
  message: string;
  direction: 'in' | 'out' | 'local';
  actor: string;
  body: unknown;
  reason: unknown;
  at: Date;
}

export interface AgreementRow {
  id: string;
  negotiation_id: string;
  role: Role;
  provider_did: string;
  consumer_did: string;
  dataset_id: string;
  asset_id: string;
  policy: Agreement;
  digest: string;
  signed_at: Date;
  retired_at: Date | null;
  retired_by: string | null;
  created_at: Date;
  state?: NegotiationState;
  counter_party_address?: string;
  transfer_mode?: 'auto' | 'manual' | null;
}

/** sha-256 (hex) of a JSON value's RFC 8785 canonical form. */
export function digestOf(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(JSON.parse(JSON.stringify(value ?? null))))
    .digest('hex');
}

/** Participants are stored as JSON; credential dates come back as strings. */
export function reviveParticipant(p: VerifiedParticipant | null): VerifiedParticipant | undefined {
  if (!p) return undefined;
  const date = (v: unknown) => (v === undefined || v === null ? undefined : new Date(v as string));
  return {
    did: p.did,
    credentials: (p.credentials ?? []).map((c) => ({
      ...c,
      validFrom: date(c.validFrom),
      validUntil: date(c.validUntil),
    })),
  };
}

export async function loadNegotiation(
  q: Queryable,
  id: string,
  forUpdate = false,
): Promise<NegotiationRow | undefined> {
  const r = await q.query<NegotiationRow>(
    `SELECT * FROM negotiations WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return r.rows[0];
}

export async function loadHistory(q: Queryable, id: string): Promise<HistoryRow[]> {
  const r = await q.query<HistoryRow>(
    `SELECT id, from_state, to_state, message, direction, actor, body, reason, at
       FROM negotiation_history WHERE negotiation_id = $1 ORDER BY id`,
    [id],
  );
  return r.rows;
}

export async function hasReceived(q: Queryable, id: string, digest: string): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM negotiation_history WHERE negotiation_id = $1 AND digest = $2 AND direction = 'in' LIMIT 1`,
    [id, digest],
  );
  return r.rows.length > 0;
}

export async function loadAgreement(q: Queryable, id: string): Promise<AgreementRow | undefined> {
  const r = await q.query<AgreementRow>(
    `SELECT a.*, n.state, n.counter_party_address, n.resolved_offer->>'transferMode' AS transfer_mode
       FROM agreements a JOIN negotiations n ON n.id = a.negotiation_id WHERE a.id = $1`,
    [id],
  );
  return r.rows[0];
}

/** The ODRL rules of a policy, for comparing what was asked, offered and agreed. */
export function rulesOf(p: { permission?: unknown; prohibition?: unknown; obligation?: unknown } | null) {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
  return {
    permission: list(p?.permission),
    prohibition: list(p?.prohibition),
    obligation: list(p?.obligation),
  };
}

export function sameRules(a: Parameters<typeof rulesOf>[0], b: Parameters<typeof rulesOf>[0]): boolean {
  return (
    canonicalJson(JSON.parse(JSON.stringify(rulesOf(a)))) ===
    canonicalJson(JSON.parse(JSON.stringify(rulesOf(b))))
  );
}
