/**
 * Per-request enforcement on the data plane: verify the token, require the transfer to be STARTED,
 * evaluate the agreement's policy in `request` scope, count the use atomically, record the decision.
 *
 * The state check and the count are one SQL statement (`UPDATE ... WHERE state = 'STARTED'`), so a
 * suspension or termination committed by any replica is seen by the next request: no state cache.
 * What never changes for a transfer (agreement, consumer snapshot, asset) is cached briefly.
 */
import { createHash } from 'node:crypto';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import type { VerifiedParticipant } from '../../identity/participant.js';
import type { Decision } from '../../policy/index.js';
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
  now?: () => Date;
}

interface TransferFacts {
  transferId: string;
  agreement: AgreementView;
  participant: VerifiedParticipant | undefined;
  source: SourceAddress;
  expiresAt: number;
}

export interface Permit {
  claims: EdrClaims;
  source: SourceAddress;
  decision: Decision;
  usageCount: number;
}

/** Reserves $2 uses of a STARTED transfer and its agreement; no row when the transfer is not STARTED. */
const INCREMENT = `
  WITH t AS (
    UPDATE transfers SET usage_count = usage_count + $2
    WHERE id = $1 AND state = 'STARTED' AND role = 'provider'
    RETURNING agreement_id)
  INSERT INTO agreement_usage (agreement_id, count) SELECT agreement_id, $2 FROM t
  ON CONFLICT (agreement_id) DO UPDATE SET count = agreement_usage.count + $2
  RETURNING count`;

/** Gives back $2 reserved uses that were denied. */
const DECREMENT = `
  WITH t AS (UPDATE transfers SET usage_count = usage_count - $2 WHERE id = $1 RETURNING agreement_id)
  UPDATE agreement_usage SET count = count - $2 WHERE agreement_id = (SELECT agreement_id FROM t)`;

type AuditEntry = Parameters<AuditService['append']>[1];

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

export class Enforcer {
  private readonly facts = new Map<string, TransferFacts>();
  private queue: Pending[] = [];
  private flushing = false;
  readonly policies: PolicyCache;

  constructor(private readonly deps: EnforcerDeps) {
    this.policies = deps.policies ?? new PolicyCache();
  }

  /** Drops cached facts (e.g. after the policy monitor changed a transfer). */
  forget(transferId?: string) {
    if (transferId) this.facts.delete(transferId);
    else this.facts.clear();
  }

  private async factsOf(claims: EdrClaims, nowMs: number): Promise<TransferFacts> {
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
    const f: TransferFacts = {
      transferId: t.id,
      agreement,
      participant: t.participant ?? undefined,
      source,
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
   * `{ rule, constraint?, reasons }`). On a permit the use has been counted.
   *
   * Requests that arrive while a decision transaction is in flight are decided together in the next
   * one (group commit): per transfer one UPDATE reserves k uses, each request is evaluated in order
   * with its own count, unused reservations are given back, and every decision is audited, all in one
   * transaction. A reservation never lets more uses through than the policy allows, on any replica.
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
    const facts = await this.factsOf(claims, now.getTime());
    const permit = await new Promise<Permit | undefined>((resolve, reject) => {
      this.queue.push({ claims, facts, now, purpose: request.purpose, path: request.path, resolve, reject });
      if (!this.flushing) {
        // After the I/O callbacks of this loop turn: every request that arrived with this one joins
        // its batch (an embedded database runs queries on this thread, so nothing would overlap).
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
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
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, 512);
        try {
          // One transaction: the row lock taken by the reservation is held until unused uses are given
          // back, so another replica never sees (and refuses on) a reservation that is being returned.
          const results = await this.deps.db.transaction((tx) => this.decideBatch(tx, batch));
          batch.forEach((p, i) => p.resolve(results[i]));
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async decideBatch(q: Queryable, batch: Pending[]): Promise<(Permit | undefined)[]> {
    const results = new Array<Permit | undefined>(batch.length);
    const groups = new Map<string, number[]>();
    batch.forEach((p, i) => {
      const g = groups.get(p.claims.transferId);
      if (g) g.push(i);
      else groups.set(p.claims.transferId, [i]);
    });
    const entries: AuditEntry[] = [];
    for (const [transferId, indexes] of groups) {
      const k = indexes.length;
      const r = await q.query<{ count: number }>(INCREMENT, [transferId, k]);
      if (r.rows.length === 0) {
        for (const i of indexes) entries.push(this.entry(batch[i]!, undefined, { state: 'not-started' }));
        continue;
      }
      const before = Number(r.rows[0]!.count) - k;
      let count = before;
      for (const i of indexes) {
        const p = batch[i]!;
        const decision = evaluateAgreement(this.policies, p.facts.agreement, 'request', {
          now: p.now,
          participant: p.facts.participant,
          usageCount: count,
          purpose: p.purpose,
        });
        entries.push(this.entry(p, decision, { usageCount: count }));
        if (decision.permitted) count++;
        results[i] = { claims: p.claims, source: p.facts.source, decision, usageCount: count };
      }
      const unused = k - (count - before);
      if (unused > 0) await q.query(DECREMENT, [transferId, unused]);
    }
    const audit = this.deps.audit;
    if (audit) {
      if (audit.appendMany) await audit.appendMany(q, entries);
      else for (const e of entries) await audit.append(q, e);
    }
    return results;
  }

  private entry(p: Pending, decision: Decision | undefined, extra: Record<string, unknown>): AuditEntry {
    const trace = decision ? JSON.stringify(decision.trace) : '[]';
    return {
      type: 'enforcement.decision',
      actor: p.claims.consumerDid,
      subjects: { transferId: p.claims.transferId, agreementId: p.claims.agreementId },
      content: {
        decision: decision?.permitted ? 'permit' : 'deny',
        rule: decision ? denialSummary(decision).rule : 'transfer-state',
        traceDigest: 'sha256:' + createHash('sha256').update(trace).digest('hex'),
        ...(p.path !== undefined ? { path: p.path } : {}),
        ...extra,
      },
    };
  }
}
