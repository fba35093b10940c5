/**
 * The contract log on the store: appending (inside the caller's transaction), reading by range and
 * filter, the in-memory node cache for proofs, signed tree heads (periodic and on demand), receipts
 * and the streamed export. No driver here: plain `Queryable`/`Database`.
 */
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Database, Queryable } from '../store/db.js';
import type { AuditEntry, AuditSubjects } from './entry.js';
import { canonicalJson } from './canonical.js';
import { checkActor, checkEntryType, normaliseContent, normaliseSubjects } from './entry.js';
import { buildReceipt, exportEntryLine, exportHeaderLine, exportTreeHeadLine } from './export.js';
import { MerkleTree, toHex } from './merkle.js';
import type { SignedTreeHead, TreeHeadSigner } from './tree-head.js';
import { decodeTreeHead, signTreeHead } from './tree-head.js';
import type { AuditReceipt } from './verify.js';

export interface NewAuditEntry {
  /** e.g. 'negotiation.transition', 'agreement', 'enforcement.decisions', 'credential.verification'. */
  type: string;
  /** A DID, or an API principal (`apikey:management`, `oauth2:<sub>`), or `system`. */
  actor: string;
  subjects?: Record<string, string | undefined>;
  content: Record<string, unknown>;
  /** Default: now. Stored and hashed with millisecond precision. */
  time?: Date;
}

/**
 * Appends one entry. Call it inside the transaction of the change it records: the entry commits or
 * rolls back with it. Takes the log's head row lock until that transaction ends, so keep the time
 * between this call and the commit short. Given a Database instead, the entry commits on its own:
 * the append is a single statement, atomic without a transaction of its own.
 */
export async function appendAuditEntry(tx: Queryable, entry: NewAuditEntry): Promise<{ seq: number }> {
  // One round trip: the seq comes from the head row and the leaf hash is computed by the database over
  // the canonical JSON we prepared around it.
  const r = await tx.query<{ seq: number | string }>(
    `WITH s AS (UPDATE audit_head SET next_seq = next_seq + 1 RETURNING next_seq - 1 AS seq)
     INSERT INTO audit_entries (seq, time, type, actor, subjects, content, leaf_hash)
     SELECT s.seq, $1, $2, $3, $4, $5, sha256('\\x00'::bytea || convert_to($6 || s.seq::text || $7, 'UTF8')) FROM s
     RETURNING seq`,
    entryRow(entry),
  );
  return { seq: Number(r.rows[0]!.seq) };
}

/**
 * Appends several entries in one statement (seqs consecutive, in the order given), for callers that
 * record many decisions in one transaction. Same rules as appendAuditEntry.
 */
export async function appendAuditEntries(
  tx: Queryable,
  entries: readonly NewAuditEntry[],
): Promise<{ seqs: number[] }> {
  if (entries.length === 0) return { seqs: [] };
  // One entry: the plain statement, cheaper than unnesting an array.
  if (entries.length === 1) return { seqs: [(await appendAuditEntry(tx, entries[0]!)).seq] };
  // One JSON array of entries, parsed once by the server: about a third cheaper than seven array
  // parameters, whose text literals (JSON inside array quoting) are parsed twice.
  const r = await tx.query<{ seq: number | string }>(
    `WITH s AS (UPDATE audit_head SET next_seq = next_seq + $2 RETURNING next_seq - $2 AS first)
     INSERT INTO audit_entries (seq, time, type, actor, subjects, content, leaf_hash)
     SELECT s.first + i.ord - 1, (i.e->>0)::timestamptz, i.e->>1, i.e->>2, i.e->3, i.e->4,
            sha256('\\x00'::bytea || convert_to((i.e->>5) || (s.first + i.ord - 1)::text || (i.e->>6), 'UTF8'))
     FROM s, jsonb_array_elements($1::jsonb) WITH ORDINALITY AS i(e, ord)
     ORDER BY i.ord
     RETURNING seq`,
    [JSON.stringify(entries.map(entryRow)), entries.length],
  );
  return { seqs: r.rows.map((row) => Number(row.seq)).sort((a, b) => a - b) };
}

/**
 * An entry checked and prepared for storage: time, type, actor, subjects and content, and the
 * canonical JSON before and after its seq. RFC 8785 sorts the members actor, content, seq, subjects,
 * time, type, so the canonical entry is exactly prefix + seq + suffix (an integer is its digits).
 */
function entryRow(entry: NewAuditEntry): [string, string, string, object, object, string, string] {
  const type = checkEntryType(entry.type);
  const actor = checkActor(entry.actor);
  const subjects = normaliseSubjects(entry.subjects);
  const content = normaliseContent(entry.content);
  const time = entry.time ?? new Date();
  if (!(time instanceof Date) || Number.isNaN(time.getTime()))
    throw new ValidationError('audit entry time is not a valid Date');
  const timeText = time.toISOString();
  return [
    timeText,
    type,
    actor,
    subjects,
    content,
    canonicalJson({ actor, content }).slice(0, -1) + ',"seq":',
    ',' + canonicalJson({ subjects, time: timeText, type }).slice(1),
  ];
}

/** An entry as stored, with the leaf hash recorded when it was appended (hex). */
export interface StoredAuditEntry extends AuditEntry {
  leafHash: string;
}

export interface AuditEntryFilter {
  /** First seq (inclusive). */
  fromSeq?: number;
  /** Last seq (exclusive). */
  toSeq?: number;
  negotiationId?: string;
  agreementId?: string;
  transferId?: string;
  participant?: string;
  assetId?: string;
  offerId?: string;
  type?: string;
  actor?: string;
  /** time >= since */
  since?: Date;
  /** time < until */
  until?: Date;
}

const SUBJECT_FILTERS = [
  'negotiationId',
  'agreementId',
  'transferId',
  'participant',
  'assetId',
  'offerId',
] as const;

function whereOf(filter: AuditEntryFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(sql(`$${params.length}`));
  };
  if (filter.fromSeq !== undefined) add((p) => `seq >= ${p}`, filter.fromSeq);
  if (filter.toSeq !== undefined) add((p) => `seq < ${p}`, filter.toSeq);
  for (const key of SUBJECT_FILTERS) {
    const v = filter[key];
    // The literal key (from a fixed list) matches the partial indexes of 060_audit.sql.
    if (v !== undefined) add((p) => `subjects ? '${key}' AND subjects ->> '${key}' = ${p}`, v);
  }
  if (filter.type !== undefined) add((p) => `type = ${p}`, filter.type);
  if (filter.actor !== undefined) add((p) => `actor = ${p}`, filter.actor);
  if (filter.since !== undefined) add((p) => `time >= ${p}`, filter.since.toISOString());
  if (filter.until !== undefined) add((p) => `time < ${p}`, filter.until.toISOString());
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

interface EntryRow {
  seq: number | string;
  time: Date | string;
  type: string;
  actor: string;
  subjects: AuditSubjects;
  content: Record<string, unknown>;
  leaf_hash: Uint8Array;
}

const ENTRY_COLUMNS = 'seq, time, type, actor, subjects, content, leaf_hash';

function rowToEntry(r: EntryRow): StoredAuditEntry {
  return {
    seq: Number(r.seq),
    time: (r.time instanceof Date ? r.time : new Date(r.time)).toISOString(),
    type: r.type,
    actor: r.actor,
    subjects: r.subjects,
    content: r.content,
    leafHash: toHex(r.leaf_hash),
  };
}

/** Entries matching `filter` in seq order, `limit` at most, skipping `offset`. */
export async function listAuditEntries(
  db: Queryable,
  filter: AuditEntryFilter = {},
  page: { limit?: number; offset?: number } = {},
): Promise<{ items: StoredAuditEntry[]; total: number }> {
  const { sql, params } = whereOf(filter);
  const limit = page.limit ?? 100;
  const offset = page.offset ?? 0;
  const rows = await db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM audit_entries ${sql} ORDER BY seq LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit, offset],
  );
  const count = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM audit_entries ${sql}`,
    params,
  );
  return { items: rows.rows.map(rowToEntry), total: Number(count.rows[0]!.n) };
}

export async function getAuditEntry(db: Queryable, seq: number): Promise<StoredAuditEntry> {
  const r = await db.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq = $1`, [seq]);
  if (!r.rows[0]) throw new NotFoundError(`no audit entry with seq ${seq}`);
  return rowToEntry(r.rows[0]);
}

/** Committed entries: the size of the tree. */
export async function auditLogSize(db: Queryable): Promise<number> {
  const r = await db.query<{ next_seq: number | string }>('SELECT next_seq FROM audit_head');
  return Number(r.rows[0]!.next_seq);
}

export interface StoredTreeHead extends SignedTreeHead {
  id: number;
}

interface HeadRow {
  id: number | string;
  jws: string;
}

function rowToHead(r: HeadRow): StoredTreeHead {
  return { ...decodeTreeHead(r.jws), id: Number(r.id) };
}

export interface InclusionProofResult {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
}

export interface ConsistencyProofResult {
  size1: number;
  size2: number;
  proof: string[];
}

export interface AuditLogOptions {
  db: Database;
  /** The connector's DID: the log id in every tree head. */
  logId: string;
  /** Signs tree heads; without one, asking for a new head is a ConflictError. */
  signer?: TreeHeadSigner;
  now?: () => Date;
}

/**
 * The log service of one process. Keeps a node cache of all leaf hashes (about 64 bytes per entry),
 * caught up from the store before each use, so proofs are O(log n) whatever replica appended.
 */
export class AuditLog {
  readonly logId: string;
  private readonly db: Database;
  private readonly signer?: TreeHeadSigner;
  private readonly now: () => Date;
  private tree = new MerkleTree();
  private syncing?: Promise<number>;

  constructor(options: AuditLogOptions) {
    this.db = options.db;
    this.logId = options.logId;
    this.signer = options.signer;
    this.now = options.now ?? (() => new Date());
  }

  /** Appends in `tx` (see appendAuditEntry). */
  append(tx: Queryable, entry: NewAuditEntry): Promise<{ seq: number }> {
    return appendAuditEntry(tx, entry);
  }

  /** Loads leaf hashes appended since the last call; returns the tree size. One catch-up at a time. */
  sync(): Promise<number> {
    this.syncing ??= this.catchUp().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async catchUp(): Promise<number> {
    const batch = 20_000;
    for (;;) {
      const from = this.tree.size;
      const r = await this.db.query<{ seq: number | string; leaf_hash: Uint8Array }>(
        'SELECT seq, leaf_hash FROM audit_entries WHERE seq >= $1 ORDER BY seq LIMIT $2',
        [from, batch],
      );
      for (const row of r.rows) {
        const seq = Number(row.seq);
        // Committed seqs are a prefix (see 060_audit.sql); a gap means rows were deleted.
        if (seq !== this.tree.size) {
          throw new ConflictError(
            `the audit log has no entry ${this.tree.size} (next is ${seq}): entries were deleted`,
          );
        }
        this.tree.append(new Uint8Array(row.leaf_hash));
      }
      if (r.rows.length < batch) return this.tree.size;
    }
  }

  async inclusionProof(seq: number, treeSize?: number): Promise<InclusionProofResult> {
    const size = await this.sync();
    const n = treeSize ?? size;
    if (n > size) throw new NotFoundError(`the log has ${size} entries, not ${n}`);
    if (seq >= n) throw new NotFoundError(`entry ${seq} is not in a tree of size ${n}`);
    return {
      leafIndex: seq,
      treeSize: n,
      leafHash: toHex(this.tree.leafHash(seq)),
      proof: this.tree.inclusionProof(seq, n).map(toHex),
    };
  }

  async consistencyProof(size1: number, size2?: number): Promise<ConsistencyProofResult> {
    const size = await this.sync();
    const n = size2 ?? size;
    if (n > size) throw new NotFoundError(`the log has ${size} entries, not ${n}`);
    if (size1 > n) throw new ValidationError(`the first size (${size1}) is larger than the second (${n})`);
    return { size1, size2: n, proof: this.tree.consistencyProof(size1, n).map(toHex) };
  }

  /** The root of the first `size` entries (hex). */
  async rootHash(size?: number): Promise<string> {
    const n = await this.sync();
    return toHex(this.tree.root(size ?? n));
  }

  /**
   * Rebuilds the cache from the stored leaf hashes and checks it against the latest stored signed
   * head. Returns what is wrong (rows deleted or changed since that head was signed), or undefined.
   * Full verification of the entries themselves is `pontis audit verify` on an export.
   */
  async selfCheck(): Promise<string | undefined> {
    let size: number;
    try {
      size = await this.sync();
    } catch (e) {
      return (e as Error).message;
    }
    const latest = await this.latestTreeHead();
    if (!latest) return undefined;
    if (latest.treeSize > size)
      return `the latest signed tree head covers ${latest.treeSize} entries but the log has ${size}`;
    if (toHex(this.tree.root(latest.treeSize)) !== latest.rootHash) {
      return `the stored entries no longer match the tree head signed at size ${latest.treeSize} (${latest.timestamp})`;
    }
    return undefined;
  }

  /** Signs and stores a tree head at the current size (on demand). */
  async signTreeHead(): Promise<StoredTreeHead> {
    if (!this.signer) throw new ConflictError('this connector has no signing key for tree heads');
    const size = await this.sync();
    const head = await signTreeHead(
      {
        logId: this.logId,
        treeSize: size,
        rootHash: toHex(this.tree.root(size)),
        timestamp: this.now().toISOString(),
      },
      this.signer,
    );
    const r = await this.db.query<{ id: number | string }>(
      'INSERT INTO audit_tree_heads (tree_size, root_hash, signed_at, jws) VALUES ($1, $2, $3, $4) RETURNING id',
      [head.treeSize, Buffer.from(head.rootHash, 'hex'), head.timestamp, head.jws],
    );
    return { ...head, id: Number(r.rows[0]!.id) };
  }

  /**
   * Signs a head when entries are unsigned and either `everyEntries` have accumulated or the last
   * head is `everySeconds` old. Run by one replica at a time (a lease).
   */
  async maybeSignTreeHead(everyEntries: number, everySeconds: number): Promise<StoredTreeHead | undefined> {
    if (!this.signer) return undefined;
    const [size, latest] = await Promise.all([this.sync(), this.latestTreeHead()]);
    const signedSize = latest?.treeSize ?? 0;
    if (size <= signedSize) return undefined;
    const age = latest ? (this.now().getTime() - Date.parse(latest.timestamp)) / 1000 : Infinity;
    if (size - signedSize >= everyEntries || age >= everySeconds) return this.signTreeHead();
    return undefined;
  }

  async latestTreeHead(): Promise<StoredTreeHead | undefined> {
    const r = await this.db.query<HeadRow>(
      'SELECT id, jws FROM audit_tree_heads ORDER BY tree_size DESC, id DESC LIMIT 1',
    );
    return r.rows[0] ? rowToHead(r.rows[0]) : undefined;
  }

  /** Historical tree heads in order of size (then signing order). */
  async treeHeads(
    filter: { minSize?: number; maxSize?: number } = {},
    page: { limit?: number; offset?: number } = {},
  ): Promise<{ items: StoredTreeHead[]; total: number }> {
    const where = 'WHERE tree_size >= $1 AND tree_size <= $2';
    const params = [filter.minSize ?? 0, filter.maxSize ?? Number.MAX_SAFE_INTEGER];
    const r = await this.db.query<HeadRow>(
      `SELECT id, jws FROM audit_tree_heads ${where} ORDER BY tree_size, id LIMIT $3 OFFSET $4`,
      [...params, page.limit ?? 100, page.offset ?? 0],
    );
    const c = await this.db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM audit_tree_heads ${where}`,
      params,
    );
    return { items: r.rows.map(rowToHead), total: Number(c.rows[0]!.n) };
  }

  /** A signed head covering `seq`: the smallest stored one, or a new one when none covers it yet. */
  async treeHeadCovering(seq: number): Promise<StoredTreeHead> {
    const r = await this.db.query<HeadRow>(
      'SELECT id, jws FROM audit_tree_heads WHERE tree_size > $1 ORDER BY tree_size DESC, id DESC LIMIT 1',
      [seq],
    );
    if (r.rows[0]) return rowToHead(r.rows[0]);
    return this.signTreeHead();
  }

  /**
   * The receipt of an agreement: its `agreement` entry, an inclusion proof and the latest signed
   * head covering it. `participant`, when given, must be the agreement's counter-party.
   */
  async receipt(agreementId: string, participant?: string): Promise<AuditReceipt> {
    const r = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM audit_entries
       WHERE subjects ? 'agreementId' AND subjects ->> 'agreementId' = $1 AND type = 'agreement'
       ORDER BY seq LIMIT 1`,
      [agreementId],
    );
    const row = r.rows[0];
    if (!row) throw new NotFoundError(`no agreement ${agreementId} in the audit log`);
    const entry = rowToEntry(row);
    if (participant !== undefined && entry.subjects.participant !== participant) {
      // Same answer as a missing agreement: do not reveal other participants' agreements.
      throw new NotFoundError(`no agreement ${agreementId} in the audit log`);
    }
    const head = await this.treeHeadCovering(entry.seq);
    await this.sync();
    const { leafHash: _recorded, ...plain } = entry;
    return buildReceipt(this.logId, plain, head.jws, this.tree.inclusionProof(entry.seq, head.treeSize));
  }

  /**
   * The export as JSON Lines: a header carrying a fresh signed head at the current size n, entries
   * 0..n-1 read in batches (memory stays flat), then every stored head up to n.
   */
  async *export(options: { batch?: number } = {}): AsyncGenerator<string> {
    let head: StoredTreeHead | undefined;
    let n: number;
    try {
      head = await this.signTreeHead();
      n = head.treeSize;
    } catch (e) {
      // Rows missing from the store (or no key): export what is there, unsigned, so that
      // `pontis audit verify` names the damage instead of the connector refusing to show it.
      if (!(e instanceof ConflictError)) throw e;
      n = await auditLogSize(this.db);
    }
    const exportedAt = head?.timestamp ?? this.now().toISOString();
    yield exportHeaderLine(
      head
        ? { logId: this.logId, treeSize: n, treeHead: head.jws, exportedAt }
        : { logId: this.logId, treeSize: n, exportedAt },
    );
    const batch = options.batch ?? 5000;
    for (let from = 0; from < n; from += batch) {
      const r = await this.db.query<EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq`,
        [from, Math.min(from + batch, n)],
      );
      let chunk = '';
      for (const row of r.rows) {
        const e = rowToEntry(row);
        chunk += exportEntryLine(e, e.leafHash);
      }
      yield chunk;
    }
    for (let offset = 0; ; offset += 1000) {
      const heads = await this.treeHeads({ maxSize: n }, { limit: 1000, offset });
      let chunk = '';
      for (const h of heads.items) if (h.id !== head?.id) chunk += exportTreeHeadLine(h.jws);
      if (chunk) yield chunk;
      if (heads.items.length < 1000) break;
    }
  }
}
