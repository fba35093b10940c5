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

const INCREMENT = `
  WITH t AS (
    UPDATE transfers SET usage_count = usage_count + 1
    WHERE id = $1 AND state = 'STARTED' AND role = 'provider'
    RETURNING agreement_id)
  INSERT INTO agreement_usage (agreement_id, count) SELECT agreement_id, 1 FROM t
  ON CONFLICT (agreement_id) DO UPDATE SET count = agreement_usage.count + 1
  RETURNING count`;

const DECREMENT = `
  WITH t AS (UPDATE transfers SET usage_count = usage_count - 1 WHERE id = $1 RETURNING agreement_id)
  UPDATE agreement_usage SET count = count - 1 WHERE agreement_id = (SELECT agreement_id FROM t)`;

/** A denial: 403 with a JSON body naming the rule. */
export class PolicyDenied extends ForbiddenError {
  constructor(message: string, details: unknown, code = 'policy_denied') {
    super(message, details, code);
  }
}

export class Enforcer {
  private readonly facts = new Map<string, TransferFacts>();
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

  private async audit(
    q: Queryable,
    claims: EdrClaims,
    decision: Decision | undefined,
    extra: Record<string, unknown>,
  ) {
    const trace = decision ? JSON.stringify(decision.trace) : '[]';
    await this.deps.audit?.append(q, {
      type: 'enforcement.decision',
      actor: claims.consumerDid,
      subjects: { transferId: claims.transferId, agreementId: claims.agreementId },
      content: {
        decision: decision?.permitted ? 'permit' : 'deny',
        rule: decision ? denialSummary(decision).rule : 'transfer-state',
        traceDigest: 'sha256:' + createHash('sha256').update(trace).digest('hex'),
        ...extra,
      },
    });
  }

  /**
   * Authorizes one data request. Throws UnauthorizedError (bad token) or PolicyDenied (403, details
   * `{ rule, constraint?, reasons }`). On a permit the use has been counted.
   */
  async authorize(
    authorization: string | undefined,
    request: { purpose?: string; path?: string },
  ): Promise<Permit> {
    const now = this.deps.now?.() ?? new Date();
    const token = /^bearer\s+/i.test(authorization ?? '')
      ? authorization!.replace(/^bearer\s+/i, '')
      : authorization;
    if (!token)
      throw new ForbiddenError(
        'an access token is required (Authorization: Bearer <token>)',
        undefined,
        'token_required',
      );
    const claims = await this.deps.tokens.verify(token, now.getTime());
    const facts = await this.factsOf(claims, now.getTime());

    const decide = async (q: Queryable): Promise<Permit | undefined> => {
      const r = await q.query<{ count: number }>(INCREMENT, [claims.transferId]);
      if (r.rows.length === 0) {
        await this.audit(q, claims, undefined, { state: 'not-started', path: request.path });
        return undefined;
      }
      const usageCount = Number(r.rows[0]!.count) - 1;
      const decision = evaluateAgreement(this.policies, facts.agreement, 'request', {
        now,
        participant: facts.participant,
        usageCount,
        purpose: request.purpose,
      });
      if (!decision.permitted) await q.query(DECREMENT, [claims.transferId]);
      await this.audit(q, claims, decision, {
        usageCount: decision.permitted ? usageCount + 1 : usageCount,
        path: request.path,
      });
      return { claims, source: facts.source, decision, usageCount };
    };
    // With an audit log, the count and the decision entry commit together.
    const permit = this.deps.audit ? await this.deps.db.transaction(decide) : await decide(this.deps.db);
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
}
