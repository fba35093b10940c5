/**
 * The ODRL 2.2 policy engine: strict on write, explainable on evaluation, and pure (no I/O).
 *
 *   const policy = compilePolicy(json);            // throws ValidationError with pointers
 *   const d = evaluate(policy, 'request', { now: new Date(), participant, agreement, usage });
 *   d.permitted; d.decidedBy; d.trace; d.duties; d.reasons
 *
 * Compile once and keep the CompiledPolicy: evaluation reuses its closures.
 */
import { ValidationError } from '../errors.js';
import type { PolicyModel } from './compile.js';
import { SCOPE_BIT, compileModel } from './compile.js';
import { evaluateModel } from './evaluate.js';
import type { ConflictStrategy, Decision, EvaluationContext, PolicyType, Problem, Scope } from './types.js';
import { SCOPES } from './types.js';
import { isKnownAction, shortName } from './vocab.js';

export type {
  ConflictStrategy,
  ConstraintTrace,
  Decision,
  Duty,
  EvaluationContext,
  Outcome,
  PolicyType,
  Problem,
  RuleKind,
  Scope,
} from './types.js';
export { SCOPES } from './types.js';
export { leftOperands, leftOperand, registerLeftOperand, REGIONS } from './operands.js';
export type { LeftOperandDef } from './operands.js';
export { OPERATORS, PONTIS, ODRL, actionCovers } from './vocab.js';
export { explain } from './evaluate.js';

const MODEL: unique symbol = Symbol('pontis.policy.model');

export interface CompiledPolicy {
  /** The policy as written (for storage and for sending to peers). */
  readonly source: unknown;
  readonly uid?: string;
  readonly type: PolicyType;
  readonly conflict: ConflictStrategy;
  readonly form: 'compacted' | 'expanded';
  /** Left operands and actions the policy uses (for listing filters). */
  readonly leftOperands: readonly string[];
  readonly actions: readonly string[];
  /** @internal the compiled evaluator */
  readonly [MODEL]: PolicyModel;
}

/** Checks a policy and lists every problem with a JSON pointer; never throws. */
export function validatePolicy(json: unknown): { valid: boolean; problems: Problem[] } {
  const { problems } = compileModel(json);
  return { valid: problems.length === 0, problems };
}

/** Compiles a policy for evaluation. Throws ValidationError (400) listing every problem. */
export function compilePolicy(json: unknown): CompiledPolicy {
  const { model, problems } = compileModel(json);
  if (!model) {
    const first = problems[0] ?? { pointer: '', message: 'invalid policy' };
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`
        : '';
    throw new ValidationError(
      `invalid policy at '${first.pointer}': ${first.message}${more}`,
      {
        pointer: first.pointer,
        problems,
      },
      'invalid_policy',
    );
  }
  const expanded =
    Array.isArray(json) ||
    (typeof json === 'object' &&
      json !== null &&
      Object.keys(json).some((k) => k.startsWith('http://www.w3.org/ns/odrl/2/')));
  return Object.freeze({
    source: json,
    uid: model.uid,
    type: model.type,
    conflict: model.conflict,
    form: expanded ? 'expanded' : 'compacted',
    leftOperands: Object.freeze(model.leftOperands),
    actions: Object.freeze(model.actions),
    [MODEL]: model,
  });
}

/**
 * Evaluates a compiled policy in a scope for an action (default 'use'). Never throws for bad
 * input: an unknown scope, an invalid context.now or an unknown action deny with a reason.
 */
export function evaluate(
  policy: CompiledPolicy,
  scope: Scope,
  context: EvaluationContext,
  action = 'use',
): Decision {
  const bit = (SCOPE_BIT as Record<string, number | undefined>)[scope];
  if (bit === undefined) {
    return refuse(`unknown scope '${String(scope)}'; expected one of ${SCOPES.join(', ')}`);
  }
  if (!context || !(context.now instanceof Date) || Number.isNaN(context.now.getTime())) {
    return refuse('the evaluation context has no valid time (context.now must be a Date)');
  }
  const a = shortName(action);
  if (!isKnownAction(a)) return refuse(`unknown action '${action}'`);
  const model = policy?.[MODEL];
  if (!model) return refuse('not a compiled policy: call compilePolicy first');
  return evaluateModel(model, scope, bit, context, a);
}

function refuse(reason: string): Decision {
  return { permitted: false, decidedBy: null, trace: [], duties: [], reasons: [`denied: ${reason}`] };
}
