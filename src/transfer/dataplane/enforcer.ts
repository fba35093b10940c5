/**
 * Per-request enforcement on the data plane: verify the token, require the transfer to be STARTED,
 * evaluate the agreement's policy in `request` scope, count the use atomically, record the decision.
 *
 * Uses are reserved in blocks (a lease): one UPDATE per transfer checks that it is STARTED and
 * reserves several uses at once (`agreement_usage.count` and `transfers.usage_count` count them), which
 * this process then hands out one per permitted request. A lease is trusted for `leaseMs` (default
 * 500 ms): a suspension or termination committed by another replica is seen within that time, one
 * committed through this process at once (`forget`). Unused uses are given back when the lease is
 * renewed or expires, and on stop. A crash loses the uses reserved but not used (never more uses
 * than allowed): at most one block per transfer, and a block is at most an eighth of what an
 * `count lteq N` agreement has left; below 128 uses left, every batch is counted exactly as before
 * (reserve, evaluate, give back, in one transaction).
 *
 * Decisions are group-committed: requests that arrive while the previous batch is being recorded
 * are decided together and recorded in one statement, one `enforcement.decisions` audit entry per
 * transfer listing each decision of the batch; the responses wait for its commit. (One entry per
 * decision cost a row, its canonical JSON, its hash and four index entries each: about half of what
 * enforcement added to a 1 KiB request.)
 * What never changes for a transfer (agreement, consumer snapshot, asset) is cached briefly.
 */
import { ForbiddenError, NotFoundError } from '../../errors.js';
import type { VerifiedParticipant } from '../../identity/participant.js';
import type { CompiledPolicy, Decision } from '../../policy/index.js';
import type { AuditService } from '../../runtime/services.js';
import type { Database, Queryable } from '../../store/db.js';
import { denialSummary, evaluateAgreement, PolicyCache } from '../agreements.js';
import type { AgreementLookup, AgreementView } from '../agreements.js';
import { findTransfer } from '../repository.js';
import type { EdrClaims, EdrTokens } from './tokens.js';
import { parseSourceAddress } from './sources.js';
import type { SourceAddress } from './sources.js';

export interface EnforcerDeps {
  db: Database;
  tokens: EdrTokens;
  agreement: AgreementLookup;
  dataAddress: (assetId: string) => Promise<Record<string, unknown> | undefined>;
  /** Checks an outgoing address (asset origins); called once per cached address. */
  assertAllowedUrl?: (url: string) => Promise<void>;
  audit?: AuditService;
  policies?: PolicyCache;
  /** How long the per-transfer facts are cached (default 5 s). */
  cacheMs?: number;
  /**
   * How long a reservation of uses, and the look at the transfer's state that came with it, is
   * trusted (default 500 ms): the longest a change committed by another replica goes unseen.
   */
  leaseMs?: number;
  /** The most uses reserved at once for one transfer (default 256). */
  maxBlock?: number;
  now?: () => Date;
}

interface TransferFacts {
  transferId: string;
  agreement: AgreementView;
  participant: VerifiedParticipant | undefined;
  source: SourceAddress;
  /**
   * Uses may be reserved in blocks up to this usage count: Infinity when the policy does not depend
   * on the count, N for `count lteq N` (N - 1 for `lt`), 0 when the count is used in any other way
   * (every batch then counted exactly).
   */
  reserveUpTo: number;
  expiresAt: number;
}

export interface Permit {
  claims: EdrClaims;
  source: SourceAddress;
  decision: Decision;
  usageCount: number;
}

/** A block of reserved uses of one transfer, held by this process. */
interface Lease {
  /** Clock reading taken before the statement that saw the transfer STARTED and reserved the block. */
  checkedAt: number;
  /** `forget` generation when the reservation began: a later forget invalidates it. */
  generation: number;
  start: number;
  /** Usage count before the next use handed out. */
  next: number;
  /** End of the block (exclusive). */
  end: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Adds $2 uses (negative: gives uses back) to a STARTED transfer and its agreement; no row when the
 * transfer is not STARTED. Returns the agreement's count after the change.
 */
const RESERVE = `
  WITH t AS (
    UPDATE transfers SET usage_count = usage_count + $2
    WHERE id = $1 AND state = 'STARTED' AND role = 'provider'
    RETURNING agreement_id)
  INSERT INTO agreement_usage (agreement_id, count) SELECT agreement_id, $2 FROM t
  ON CONFLICT (agreement_id) DO UPDATE SET count = agreement_usage.count + $2
  RETURNING count`;

/** Gives back $2 reserved uses that were not used, whatever the transfer's state. */
const GIVE_BACK = `
  WITH t AS (UPDATE transfers SET usage_count = usage_count - $2 WHERE id = $1 RETURNING agreement_id)
  UPDATE agreement_usage SET count = count - $2 WHERE agreement_id = (SELECT agreement_id FROM t)`;

/** Smallest block worth a lease; fewer uses left than 8 blocks: exact counting. */
const MIN_BLOCK = 16;

type AuditEntry = Parameters<AuditService['append']>[1];

/**
 * One decision as the `enforcement.decisions` entry lists it: what an auditor needs to check it
 * against the agreement (which the log holds): its inputs (time, usage count, purpose) and outcome.
 */
export interface DecisionRecord {
  /** When the request was decided (ISO 8601). */
  time: string;
  decision: 'permit' | 'deny';
  /** The rule that decided (`permission[0]`, ...), or `transfer-state` when the transfer was not STARTED. */
  rule: string;
  path?: string;
  /** The purpose the request declared (`X-Purpose`). */
  purpose?: string;
  /** The agreement's usage count the decision was taken at. */
  usageCount?: number;
  state?: 'not-started';
  /** A denial's failing constraint and reasons. */
  constraint?: string;
  reasons?: string[];
}

/** How one decision is recorded (see DecisionRecord). */
function decisionRecord(
  p: Pending,
  decision: Decision | undefined,
  extra: Pick<DecisionRecord, 'usageCount' | 'state'>,
): DecisionRecord {
  const record: DecisionRecord = {
    time: p.now.toISOString(),
    decision: decision?.permitted ? 'permit' : 'deny',
    rule: 'transfer-state',
    ...(p.path !== undefined ? { path: p.path } : {}),
    ...(p.purpose !== undefined ? { purpose: p.purpose } : {}),
    ...extra,
  };
  if (decision) {
    const summary = denialSummary(decision);
    record.rule = summary.rule;
    if (!decision.permitted) {
      if (summary.constraint !== undefined) record.constraint = summary.constraint;
      record.reasons = summary.reasons;
    }
  }
  return record;
}

interface Pending {
  claims: EdrClaims;
  facts: TransferFacts;
  now: Date;
  purpose?: string;
  path?: string;
  resolve(p: Permit | undefined): void;
  reject(e: unknown): void;
}

/** A denial: 403 with a JSON body naming the rule. */
export class PolicyDenied extends ForbiddenError {
  constructor(message: string, details: unknown, code = 'policy_denied') {
    super(message, details, code);
  }
}

/**
 * Up to which usage count uses of this policy may be reserved ahead (see TransferFacts.reserveUpTo),
 * from the policy's left operands and the trace of one request-scope decision (every constraint of
 * every rule is traced). Conservative: any use of `count` other than `lteq`/`lt` with a number in a
 * permission's constraints, or any logical constraint, means exact counting.
 */
export function reservationBound(policy: CompiledPolicy, probe: Decision): number {
  if (!policy.leftOperands.includes('count')) return Infinity;
  if (probe.trace.some((t) => t.kind !== 'atomic')) return 0;
  const counts = probe.trace.filter((t) => t.leftOperand === 'count');
  if (counts.length === 0) return 0;
  let bound = Infinity;
  for (const t of counts) {
    const n = t.rightValue;
    if (t.rule.kind !== 'permission' || t.rule.duty !== undefined) return 0;
    if (typeof n !== 'number' || !Number.isFinite(n)) return 0;
    if (t.operator === 'lteq') bound = Math.min(bound, Math.floor(n));
    else if (t.operator === 'lt') bound = Math.min(bound, Math.ceil(n) - 1);
    else return 0;
  }
  return Math.max(0, bound);
}

export class Enforcer {
  private readonly facts = new Map<string, TransferFacts>();
  private readonly leases = new Map<string, Lease>();
  /** Bumped by every `forget`: a reservation that began before it is not kept. */
  private generation = 0;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly releases = new Set<Promise<void>>();
  /** Unused uses being given back, per transfer, until their statement has run. */
  private readonly givingBack = new Map<string, number>();
  private closed = false;
  readonly policies: PolicyCache;

  constructor(private readonly deps: EnforcerDeps) {
    this.policies = deps.policies ?? new PolicyCache();
  }

  private get leaseMs() {
    return this.deps.leaseMs ?? 500;
  }

  private clock() {
    return this.deps.now?.().getTime() ?? Date.now();
  }

  /**
   * Drops what this process knows about a transfer (or all): cached facts, and its lease, whose unused
   * uses are given back. Called when a transfer leaves STARTED through this process, so that the
   * next request looks at the state again.
   */
  forget(transferId?: string) {
    this.generation++;
    if (transferId) {
      this.facts.delete(transferId);
      const lease = this.leases.get(transferId);
      if (lease) this.release(transferId, lease);
    } else {
      this.facts.clear();
      for (const [id, lease] of [...this.leases]) this.release(id, lease);
    }
  }

  /**
   * Uses of a transfer this process has reserved but not handed out (counted in `usage_count` until
   * they are given back): the count minus this is the uses served, as far as this replica knows.
   */
  unusedReserved(transferId: string): number {
    const lease = this.leases.get(transferId);
    return (lease ? lease.end - lease.next : 0) + (this.givingBack.get(transferId) ?? 0);
  }

  /** Gives back every unused reserved use (waits for the batch being decided first). */
  async close() {
    this.closed = true;
    while (this.flushing) await this.flushing;
    this.forget();
    while (this.releases.size > 0) await Promise.all([...this.releases]);
  }

  /** Takes a lease out of the map and gives its unused uses back (errors lose them: never too many). */
  private release(transferId: string, lease: Lease) {
    if (this.leases.get(transferId) === lease) this.leases.delete(transferId);
    if (lease.timer) clearTimeout(lease.timer);
    const unused = lease.end - lease.next;
    lease.next = lease.end;
    if (unused <= 0) return;
    this.givingBack.set(transferId, (this.givingBack.get(transferId) ?? 0) + unused);
    const p = this.deps.db
      .query(GIVE_BACK, [transferId, unused])
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.releases.delete(p);
        const left = (this.givingBack.get(transferId) ?? 0) - unused;
        if (left > 0) this.givingBack.set(transferId, left);
        else this.givingBack.delete(transferId);
      });
    this.releases.add(p);
  }

  private keep(transferId: string, lease: Lease) {
    this.leases.set(transferId, lease);
    const delay = Math.max(0, lease.checkedAt + this.leaseMs - this.clock());
    lease.timer = setTimeout(() => {
      if (this.leases.get(transferId) === lease) this.release(transferId, lease);
    }, delay);
    lease.timer.unref?.();
  }

  private async factsOf(claims: EdrClaims, now: Date): Promise<TransferFacts> {
    const nowMs = now.getTime();
    const cached = this.facts.get(claims.transferId);
    if (cached && cached.expiresAt > nowMs) return cached;
    const t = await findTransfer(this.deps.db, claims.transferId);
    if (
      !t ||
      t.role !== 'provider' ||
      t.agreementId !== claims.agreementId ||
      t.counterPartyDid !== claims.consumerDid
    ) {
      throw new NotFoundError('no transfer for this token', 'unknown_transfer');
    }
    const agreement = await this.deps.agreement(t.agreementId);
    if (!agreement)
      throw new PolicyDenied(
        `agreement ${t.agreementId} no longer exists`,
        { rule: 'agreement' },
        'agreement_not_valid',
      );
    const source = parseSourceAddress(await this.deps.dataAddress(agreement.assetId));
    if (source.type === 'HttpData') await this.deps.assertAllowedUrl?.(source.baseUrl);
    const probe = evaluateAgreement(this.policies, agreement, 'request', { now, usageCount: 0 });
    const f: TransferFacts = {
      transferId: t.id,
      agreement,
      participant: t.participant ?? undefined,
      source,
      reserveUpTo: reservationBound(this.policies.get(agreement), probe),
      expiresAt: nowMs + (this.deps.cacheMs ?? 5000),
    };
    if (this.facts.size > 10_000) this.facts.clear();
    this.facts.set(t.id, f);
    return f;
  }

  private async stateRefusal(transferId: string): Promise<never> {
    const t = await findTransfer(this.deps.db, transferId);
    throw new PolicyDenied(
      `transfer ${transferId} is ${t?.state ?? 'unknown'}; data flows only while it is STARTED`,
      { rule: 'transfer-state', state: t?.state },
      'transfer_not_started',
    );
  }

  /**
   * Authorizes one data request. Throws UnauthorizedError (bad token) or PolicyDenied (403, details
   * `{ rule, constraint?, reasons }`). On a permit the use has been counted and the decision recorded.
   */
  async authorize(
    authorization: string | undefined,
    request: { purpose?: string; path?: string },
  ): Promise<Permit> {
    const now = this.deps.now?.() ?? new Date();
    const token = /^bearer\s+/i.test(authorization ?? '')
      ? authorization!.replace(/^bearer\s+/i, '')
      : authorization;
    if (!token) {
      throw new ForbiddenError(
        'an access token is required (Authorization: Bearer <token>)',
        undefined,
        'token_required',
      );
    }
    const claims = await this.deps.tokens.verify(token, now.getTime());
    const facts = await this.factsOf(claims, now);
    const permit = await new Promise<Permit | undefined>((resolve, reject) => {
      this.queue.push({ claims, facts, now, purpose: request.purpose, path: request.path, resolve, reject });
      // After the I/O callbacks of this loop turn: every request that arrived with this one joins
      // its batch (an embedded database runs queries on this thread, so nothing would overlap).
      this.flushing ??= new Promise<void>((r) => setImmediate(r)).then(() => this.flush());
    });
    if (!permit) return this.stateRefusal(claims.transferId);
    if (!permit.decision.permitted) {
      const summary = denialSummary(permit.decision);
      throw new PolicyDenied(
        `the agreement's policy denies this request: ${summary.reasons.join('; ')}`,
        summary,
      );
    }
    return permit;
  }

  private async flush() {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, 512);
        try {
          const results = await this.decideBatch(batch);
          batch.forEach((p, i) => p.resolve(results[i]));
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private decide(p: Pending, usageCount: number): Decision {
    return evaluateAgreement(this.policies, p.facts.agreement, 'request', {
      now: p.now,
      participant: p.facts.participant,
      usageCount,
      purpose: p.purpose,
    });
  }

  /**
   * Decides a batch. Transfers with a valid lease are decided in memory; the others (and those whose
   * lease runs out) renew it first. Then the batch's audit entries are appended in one statement, and
   * only then are the requests answered.
   */
  private async decideBatch(batch: Pending[]): Promise<(Permit | undefined)[]> {
    const results = new Array<Permit | undefined>(batch.length);
    // A batch's decisions, by the index of their request; a transfer's are taken in index order.
    const records = new Array<DecisionRecord>(batch.length);
    const groups = new Map<string, number[]>();
    batch.forEach((p, i) => {
      const g = groups.get(p.claims.transferId);
      if (g) g.push(i);
      else groups.set(p.claims.transferId, [i]);
    });
    const clock = this.clock();
    const renew: [string, number[]][] = [];
    for (const [transferId, indexes] of groups) {
      const lease = this.leases.get(transferId);
      let k = 0;
      if (lease && lease.generation === this.generation && clock < lease.checkedAt + this.leaseMs) {
        for (; k < indexes.length && lease.next < lease.end; k++) {
          const p = batch[indexes[k]!]!;
          const decision = this.decide(p, lease.next);
          records[indexes[k]!] = decisionRecord(p, decision, { usageCount: lease.next });
          if (decision.permitted) lease.next++;
          results[indexes[k]!] = {
            claims: p.claims,
            source: p.facts.source,
            decision,
            usageCount: lease.next,
          };
        }
      }
      if (k < indexes.length) renew.push([transferId, indexes.slice(k)]);
    }
    // Each renewal is its own short transaction that locks the transfer's row, then its agreement's, as
    // every other statement on them does (a batch spanning several transfers of one agreement, next to
    // a give-back on another replica, could otherwise deadlock). The reserved uses are committed before
    // the audit entries: a failure in between loses them, it never grants more.
    for (const [transferId, indexes] of renew) {
      const old = this.leases.get(transferId);
      if (old) {
        // Renewed below: its unused uses are given back in the same statement.
        this.leases.delete(transferId);
        if (old.timer) clearTimeout(old.timer);
      }
      const generation = this.generation;
      let lease: Lease | undefined;
      try {
        lease = await this.deps.db.transaction((tx) =>
          this.renew(
            tx,
            transferId,
            old,
            indexes.map((i) => batch[i]!),
            (j, r, record) => {
              results[indexes[j]!] = r;
              records[indexes[j]!] = record;
            },
          ),
        );
      } catch (e) {
        // Rolled back: the old lease still holds its uses.
        if (old && old.generation === this.generation && !this.leases.has(transferId))
          this.keep(transferId, old);
        else if (old) this.release(transferId, old);
        throw e;
      }
      if (lease && generation === this.generation && !this.closed) this.keep(transferId, lease);
      else if (lease) this.release(transferId, lease);
    }
    const a = this.deps.audit;
    if (!a) return results;
    // One entry per transfer (its token names the consumer, the actor of every decision), all in one
    // statement committed on its own: the audit append is a single INSERT.
    const entries: AuditEntry[] = [];
    for (const [transferId, indexes] of groups) {
      const { claims } = batch[indexes[0]!]!;
      const decisions = indexes.map((i) => records[i]!);
      const permitted = decisions.filter((d) => d.decision === 'permit').length;
      entries.push({
        type: 'enforcement.decisions',
        actor: claims.consumerDid,
        subjects: { transferId, agreementId: claims.agreementId },
        content: { permitted, denied: decisions.length - permitted, decisions },
      });
    }
    if (a.appendMany) await a.appendMany(this.deps.db, entries);
    else
      await this.deps.db.transaction(async (tx) => {
        for (const e of entries) await a.append(tx, e);
      });
    return results;
  }

  /**
   * In the batch's transaction: gives back what `old` did not use, checks the transfer is STARTED and
   * reserves uses for `pending` (a block when the policy allows it, else exactly what they need,
   * the unused given back before commit). Returns the new lease, if any.
   */
  private async renew(
    tx: Queryable,
    transferId: string,
    old: Lease | undefined,
    pending: Pending[],
    done: (j: number, r: Permit | undefined, record: DecisionRecord) => void,
  ): Promise<Lease | undefined> {
    const facts = pending[0]!.facts;
    const need = pending.length;
    const unused = old ? old.end - old.next : 0;
    const used = old ? old.end - old.start - unused : 0;
    const maxBlock = this.deps.maxBlock ?? 256;
    const want =
      facts.reserveUpTo > 0 ? Math.max(need, Math.min(maxBlock, Math.max(MIN_BLOCK, 2 * used))) : need;
    const checkedAt = this.clock();
    const r = await tx.query<{ count: number | string }>(RESERVE, [transferId, want - unused]);
    if (r.rows.length === 0) {
      if (unused > 0) await tx.query(GIVE_BACK, [transferId, unused]);
      pending.forEach((p, j) => done(j, undefined, decisionRecord(p, undefined, { state: 'not-started' })));
      return undefined;
    }
    const base = Number(r.rows[0]!.count) - want;
    const grant =
      facts.reserveUpTo === Infinity ? want : Math.min(want, Math.floor((facts.reserveUpTo - base) / 8));
    const block = facts.reserveUpTo > 0 && grant >= Math.max(need, MIN_BLOCK);
    let count = base;
    pending.forEach((p, j) => {
      const decision = this.decide(p, count);
      const record = decisionRecord(p, decision, { usageCount: count });
      if (decision.permitted) count++;
      done(j, { claims: p.claims, source: p.facts.source, decision, usageCount: count }, record);
    });
    const giveBack = block ? want - grant : want - (count - base);
    if (giveBack > 0) await tx.query(GIVE_BACK, [transferId, giveBack]);
    if (!block) return undefined;
    return { checkedAt, generation: this.generation, start: base, next: count, end: base + grant };
  }
}
