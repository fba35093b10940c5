/**
 * Agreements as the transfer process sees them, and their compiled policies (cached per agreement:
 * an agreement's policy never changes once signed).
 */
import type { VerifiedParticipant } from '../identity/participant.js';
import { compilePolicy, evaluate } from '../policy/index.js';
import type { CompiledPolicy, Decision, Scope } from '../policy/index.js';
import type { Queryable } from '../store/db.js';

export interface AgreementView {
  id: string;
  policy: Record<string, unknown>;
  providerDid: string;
  consumerDid: string;
  assetId: string;
  datasetId: string;
  signedAt: Date;
  retired: boolean;
  role: 'provider' | 'consumer';
  /** Provider behaviour for transfers under this agreement (from the offer); default auto. */
  transferMode?: 'auto' | 'manual';
  /** The peer's DSP base URL, when the negotiation knows it. */
  counterPartyAddress?: string;
}

export type AgreementLookup = (id: string, tx?: Queryable) => Promise<AgreementView | undefined>;

export class PolicyCache {
  private readonly compiled = new Map<string, CompiledPolicy>();
  constructor(private readonly max = 10_000) {}

  get(agreement: { id: string; policy: unknown }): CompiledPolicy {
    let c = this.compiled.get(agreement.id);
    if (!c) {
      c = compilePolicy(agreement.policy);
      if (this.compiled.size >= this.max) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(agreement.id, c);
    }
    return c;
  }
}

export interface EvaluationInput {
  now?: Date;
  participant?: VerifiedParticipant;
  usageCount?: number;
  purpose?: string;
}

/** Evaluates an agreement's policy in a scope with the transfer's context. */
export function evaluateAgreement(
  cache: PolicyCache,
  agreement: { id: string; policy: unknown; signedAt: Date },
  scope: Scope,
  input: EvaluationInput,
): Decision {
  return evaluate(cache.get(agreement), scope, {
    now: input.now ?? new Date(),
    participant: input.participant,
    agreement: { id: agreement.id, signedAt: agreement.signedAt },
    usage: input.usageCount === undefined ? undefined : { count: input.usageCount },
    purpose: input.purpose,
  });
}

/**
 * In transfer scope the purpose is not known yet (the consumer declares it with each request), so a
 * denial caused only by a missing purpose is not a reason to refuse the transfer: each request
 * is checked with its purpose.
 */
export function permitsTransfer(d: Decision): boolean {
  if (d.permitted) return true;
  const failing = d.trace.filter(
    (t) => t.kind === 'atomic' && t.outcome !== 'satisfied' && t.outcome !== 'not-applicable',
  );
  return (
    d.decidedBy?.kind !== 'prohibition' &&
    failing.length > 0 &&
    failing.every((t) => t.outcome === 'missing' && (t.leftOperand ?? '').endsWith('purpose'))
  );
}

/** The rule that decided and the first failing constraint, for error bodies and audit entries. */
export function denialSummary(d: Decision): { rule: string; constraint?: string; reasons: string[] } {
  const failed = d.trace.find(
    (t) => t.kind === 'atomic' && t.outcome !== 'satisfied' && t.outcome !== 'not-applicable',
  );
  // No permission held ('default'): the rule is the permission whose constraint failed.
  const by =
    d.decidedBy && d.decidedBy.kind !== 'default'
      ? d.decidedBy
      : failed
        ? { kind: failed.rule.kind, index: failed.rule.index, uid: undefined }
        : d.decidedBy;
  const rule = by
    ? `${by.kind}${by.kind === 'default' ? '' : `[${by.index}]`}${by.uid ? ` (${by.uid})` : ''}`
    : 'none';
  return {
    rule,
    ...(failed ? { constraint: `${failed.pointer}: ${failed.text} (${failed.outcome})` } : {}),
    reasons: d.reasons,
  };
}
