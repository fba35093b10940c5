import type { VerifiedParticipant } from '../identity/participant.js';

/** Where a decision is taken. Each left operand declares the scopes where it means something. */
export type Scope = 'catalog' | 'negotiation' | 'transfer' | 'request';
export const SCOPES: readonly Scope[] = ['catalog', 'negotiation', 'transfer', 'request'];

/**
 * What evaluation may read. Only `now` is required; a constraint whose left operand needs a value
 * that is absent fails (outcome `missing`) and the trace says what was missing.
 */
export interface EvaluationContext {
  now: Date;
  /** The caller, as identity verified it. */
  participant?: VerifiedParticipant;
  agreement?: { id: string; signedAt: Date };
  /** Uses so far, before this one. */
  usage?: { count: number };
  /** Purpose declared by the requester. */
  purpose?: string;
  dataspace?: {
    /** Default 'MembershipCredential'. */
    membershipCredentialType?: string;
    /** When set, only membership credentials from these issuers count. */
    memberIssuers?: string[];
  };
  /** The asset being accessed; when given, rules whose target differs do not apply. */
  target?: string;
}

export type ConflictStrategy = 'perm' | 'prohibit' | 'invalid';
export type PolicyType = 'Set' | 'Offer' | 'Agreement';
export type RuleKind = 'permission' | 'prohibition' | 'obligation';

/**
 * - satisfied / not-satisfied: evaluated;
 * - missing: the context lacks the value the left operand needs (never counted as satisfied);
 * - not-applicable: the left operand means nothing in this scope; skipped, see policies/README.md;
 * - not-evaluated: after a failed member of an andSequence.
 */
export type Outcome = 'satisfied' | 'not-satisfied' | 'missing' | 'not-applicable' | 'not-evaluated';

export interface ConstraintTrace {
  /** JSON pointer into the policy as written, e.g. '/permission/0/constraint/1'. */
  pointer: string;
  /** The rule the constraint belongs to; `duty` is set for a duty's own constraints. */
  rule: { kind: RuleKind; index: number; duty?: number };
  /** 'atomic' for leftOperand/operator/rightOperand, else the logical operand. */
  kind: 'atomic' | 'and' | 'or' | 'xone' | 'andSequence';
  /** Short text, e.g. "count lteq 3". */
  text: string;
  leftOperand?: string;
  operator?: string;
  rightValue?: unknown;
  leftValue?: unknown;
  outcome: Outcome;
  /** Why missing or not applicable, or a detail of the comparison. */
  note?: string;
}

export interface Duty {
  /** 'pontis:log' | 'pontis:notify' | 'delete'. */
  action: string;
  /** Where it comes from: a permission's duty or a policy obligation. */
  source: { kind: 'permission' | 'obligation'; index: number; duty?: number; uid?: string };
  uid?: string;
  /** pontis:notify: the URL to notify. */
  endpoint?: string;
  /** delete: when the data must be deleted (absolute, or computed from the agreement). */
  deadline?: Date;
  /** delete relative to the agreement, when no agreement exists yet (catalog, negotiation). */
  afterAgreement?: string;
  /** A sentence an operator understands. */
  description: string;
}

export interface Decision {
  permitted: boolean;
  /** null when evaluation could not run at all (unknown scope, invalid context.now, unknown action). */
  decidedBy: { kind: RuleKind | 'default'; index: number; uid?: string } | null;
  trace: ConstraintTrace[];
  duties: Duty[];
  reasons: string[];
}

export interface Problem {
  pointer: string;
  message: string;
}
