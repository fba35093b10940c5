/**
 * The transfers table: rows to records and the few queries the managers and the data plane need.
 * Takes a Queryable (a transaction or the database); no driver here.
 */
import type { VerifiedParticipant } from '../identity/participant.js';
import type { TransferState } from '../protocol/index.js';
import type { Queryable } from '../store/db.js';
import type { TransferRole } from './transitions.js';

export interface TransferRecord {
  /** This side's pid. */
  id: string;
  role: TransferRole;
  providerPid: string | null;
  consumerPid: string;
  state: TransferState;
  agreementId: string;
  assetId: string | null;
  format: string;
  counterPartyDid: string;
  counterPartyAddress: string;
  /** Provider: the consumer's push destination. Consumer: the EDR received on start. */
  dataAddress: Record<string, unknown> | null;
  participant: VerifiedParticipant | null;
  manual: boolean;
  usageCount: number;
  tokenId: string | null;
  reason: unknown;
  errorDetail: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: string;
  role: TransferRole;
  provider_pid: string | null;
  consumer_pid: string;
  state: TransferState;
  agreement_id: string;
  asset_id: string | null;
  format: string;
  counter_party_did: string;
  counter_party_address: string;
  data_address: Record<string, unknown> | null;
  participant: (Omit<VerifiedParticipant, 'credentials'> & { credentials: RawCredential[] }) | null;
  manual: boolean;
  usage_count: number;
  token_id: string | null;
  reason: unknown;
  error_detail: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

type RawCredential = Omit<VerifiedParticipant['credentials'][number], 'validFrom' | 'validUntil'> & {
  validFrom?: string;
  validUntil?: string;
};

/** Dates come back from jsonb as strings. */
function participantOf(raw: Row['participant']): VerifiedParticipant | null {
  if (!raw) return null;
  return {
    ...raw,
    credentials: raw.credentials.map((c) => ({
      ...c,
      validFrom: c.validFrom ? new Date(c.validFrom) : undefined,
      validUntil: c.validUntil ? new Date(c.validUntil) : undefined,
    })),
  };
}

export function toRecord(r: Row): TransferRecord {
  return {
    id: r.id,
    role: r.role,
    providerPid: r.provider_pid,
    consumerPid: r.consumer_pid,
    state: r.state,
    agreementId: r.agreement_id,
    assetId: r.asset_id,
    format: r.format,
    counterPartyDid: r.counter_party_did,
    counterPartyAddress: r.counter_party_address,
    dataAddress: r.data_address,
    participant: participantOf(r.participant),
    manual: r.manual,
    usageCount: Number(r.usage_count),
    tokenId: r.token_id,
    reason: r.reason,
    errorDetail: r.error_detail,
    version: r.version,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export async function findTransfer(
  q: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<TransferRecord | undefined> {
  const r = await q.query<Row>(
    `SELECT * FROM transfers WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return r.rows[0] ? toRecord(r.rows[0]) : undefined;
}

export async function findProviderTransferByConsumerPid(
  q: Queryable,
  counterPartyDid: string,
  consumerPid: string,
): Promise<TransferRecord | undefined> {
  const r = await q.query<Row>(
    `SELECT * FROM transfers WHERE role = 'provider' AND counter_party_did = $1 AND consumer_pid = $2`,
    [counterPartyDid, consumerPid],
  );
  return r.rows[0] ? toRecord(r.rows[0]) : undefined;
}

export interface NewTransfer {
  id: string;
  role: TransferRole;
  providerPid: string | null;
  consumerPid: string;
  state: TransferState;
  agreementId: string;
  assetId: string | null;
  format: string;
  counterPartyDid: string;
  counterPartyAddress: string;
  dataAddress: Record<string, unknown> | null;
  participant: VerifiedParticipant | null;
  manual: boolean;
}

/** Inserts a transfer; undefined when a provider row for the same consumer and consumerPid exists. */
export async function insertTransfer(q: Queryable, t: NewTransfer): Promise<TransferRecord | undefined> {
  const r = await q.query<Row>(
    `INSERT INTO transfers (id, role, provider_pid, consumer_pid, state, agreement_id, asset_id, format,
       counter_party_did, counter_party_address, data_address, participant, manual)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT DO NOTHING
     RETURNING *`,
    [
      t.id,
      t.role,
      t.providerPid,
      t.consumerPid,
      t.state,
      t.agreementId,
      t.assetId,
      t.format,
      t.counterPartyDid,
      t.counterPartyAddress,
      t.dataAddress === null ? null : JSON.stringify(t.dataAddress),
      t.participant === null ? null : JSON.stringify(t.participant),
      t.manual,
    ],
  );
  return r.rows[0] ? toRecord(r.rows[0]) : undefined;
}

export interface TransferChange {
  state?: TransferState;
  providerPid?: string;
  dataAddress?: Record<string, unknown> | null;
  reason?: unknown;
  errorDetail?: string | null;
  tokenId?: string | null;
  refreshTokenHash?: string | null;
}

const COLUMNS: Record<keyof TransferChange, string> = {
  state: 'state',
  providerPid: 'provider_pid',
  dataAddress: 'data_address',
  reason: 'reason',
  errorDetail: 'error_detail',
  tokenId: 'token_id',
  refreshTokenHash: 'refresh_token_hash',
};
const JSON_COLUMNS = new Set<keyof TransferChange>(['dataAddress', 'reason']);

export async function updateTransfer(
  q: Queryable,
  id: string,
  change: TransferChange,
): Promise<TransferRecord> {
  const sets: string[] = ['updated_at = now()', 'version = version + 1'];
  const params: unknown[] = [id];
  for (const [key, value] of Object.entries(change) as [keyof TransferChange, unknown][]) {
    if (value === undefined) continue;
    params.push(JSON_COLUMNS.has(key) && value !== null ? JSON.stringify(value) : value);
    sets.push(`${COLUMNS[key]} = $${params.length}`);
  }
  const r = await q.query<Row>(`UPDATE transfers SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params);
  if (!r.rows[0]) throw new Error(`transfer ${id} vanished during an update`);
  return toRecord(r.rows[0]);
}

export async function addHistory(
  q: Queryable,
  entry: {
    transferId: string;
    from: TransferState | null;
    to: TransferState;
    event: string;
    actor: string;
    reason?: unknown;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO transfer_history (transfer_id, from_state, to_state, event, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      entry.transferId,
      entry.from,
      entry.to,
      entry.event,
      entry.actor,
      entry.reason === undefined ? null : JSON.stringify(entry.reason),
    ],
  );
}

export interface HistoryEntry {
  from: TransferState | null;
  to: TransferState;
  event: string;
  actor: string;
  reason: unknown;
  at: Date;
}

export async function historyOf(q: Queryable, id: string): Promise<HistoryEntry[]> {
  const r = await q.query<{
    from_state: TransferState | null;
    to_state: TransferState;
    event: string;
    actor: string;
    reason: unknown;
    at: Date;
  }>(
    `SELECT from_state, to_state, event, actor, reason, at FROM transfer_history WHERE transfer_id = $1 ORDER BY id`,
    [id],
  );
  return r.rows.map((h) => ({
    from: h.from_state,
    to: h.to_state,
    event: h.event,
    actor: h.actor,
    reason: h.reason,
    at: new Date(h.at),
  }));
}

export interface TransferQuery {
  role?: TransferRole;
  state?: TransferState;
  agreementId?: string;
  counterPartyDid?: string;
  limit: number;
  offset: number;
  sort?: string;
}

const SORTABLE: Record<string, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  state: 'state',
  agreementId: 'agreement_id',
};

export async function listTransfers(
  q: Queryable,
  query: TransferQuery,
): Promise<{ items: TransferRecord[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  add('role', query.role);
  add('state', query.state);
  add('agreement_id', query.agreementId);
  add('counter_party_did', query.counterPartyDid);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const sort = query.sort ?? '-createdAt';
  const desc = sort.startsWith('-');
  const column = SORTABLE[sort.replace(/^-/, '')] ?? 'created_at';
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM transfers ${w}`, params);
  const rows = await q.query<Row>(
    `SELECT * FROM transfers ${w} ORDER BY ${column} ${desc ? 'DESC' : 'ASC'}, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, query.limit, query.offset],
  );
  return { items: rows.rows.map(toRecord), total: total.rows[0]?.n ?? 0 };
}

/** Uses counted so far under an agreement (all its transfers). */
export async function usageOf(q: Queryable, agreementId: string): Promise<number> {
  const r = await q.query<{ count: number }>('SELECT count FROM agreement_usage WHERE agreement_id = $1', [
    agreementId,
  ]);
  return Number(r.rows[0]?.count ?? 0);
}
