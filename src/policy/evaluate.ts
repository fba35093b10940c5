/**
 * Evaluation of a compiled policy. The rules, in short (policies/README.md says it for operators):
 * - A permission holds when its target and assignee match and its refinements and constraints hold,
 *   and none of its duties is overdue or undeterminable. A prohibition is in effect when its
 *   constraints hold. Policy obligations come with every permit.
 * - Missing context values never count as satisfied: a permission with one fails, a prohibition
 *   with one is taken to be in effect (we cannot rule it out).
 * - A constraint on an operand that means nothing in the scope (count in catalog scope) is
 *   skipped and reported 'not-applicable'; it is checked in the scopes that its operand declares.
 *   Skipping resolves in the requester's favour (a permission holds, a prohibition is not in effect)
 *   because a later scope decides; operands meaningful in the scope are always evaluated.
 * - A permission and a prohibition that both apply to the requested action conflict; the policy's
 *   conflict strategy decides: perm (permit), prohibit (deny) or invalid (ODRL's default: the
 *   policy is void, deny).
 */
import type { CompiledDuty, CompiledRule, EvalState, PolicyModel } from './compile.js';
import { F, MS, NA, T, kleeneAnd } from './compile.js';
import { leftOperand } from './operands.js';
import type { ConstraintTrace, Decision, Duty, EvaluationContext, Scope } from './types.js';
import { addDuration } from './values.js';
import type { Operator } from './vocab.js';
import { OPERATOR_PHRASE, actionCovers } from './vocab.js';

interface RuleResult {
  rule: CompiledRule;
  code: number;
  /** Why a permission whose constraints hold still cannot be granted (a duty). */
  dutyFailure?: string;
  duties?: Duty[];
}

function ruleName(kind: string, index: number, uid?: string): string {
  return uid ? `${kind} ${index} (${uid})` : `${kind} ${index}`;
}

function evalRule(r: CompiledRule, st: EvalState): number {
  st.rule = r.ruleRef;
  let code: number = T;
  const ctx = st.ctx;
  if (ctx.target !== undefined && r.targets.length > 0 && !r.targets.includes(ctx.target)) {
    st.trace.push({
      pointer: `${r.ptr}/target`,
      rule: st.rule,
      kind: 'atomic',
      text: `target ${r.targets.join(', ')}`,
      leftOperand: 'target',
      operator: 'isAnyOf',
      rightValue: r.targets,
      leftValue: ctx.target,
      outcome: 'not-satisfied',
    });
    return F;
  }
  if (r.assignee !== undefined) {
    const did = ctx.participant?.did;
    const outcome = did === undefined ? 'missing' : did === r.assignee ? 'satisfied' : 'not-satisfied';
    st.trace.push({
      pointer: r.assigneePtr,
      rule: st.rule,
      kind: 'atomic',
      text: `assignee ${r.assignee}`,
      leftOperand: 'assignee',
      operator: 'eq',
      rightValue: r.assignee,
      leftValue: did,
      outcome,
      note:
        did === undefined
          ? 'no verified participant in the context (participant), so the assignee cannot be checked'
          : undefined,
    });
    code = outcome === 'missing' ? MS : outcome === 'satisfied' ? T : F;
  }
  const cs = r.constraints;
  for (let i = 0; i < cs.length; i++) code = kleeneAnd(code as 0, cs[i]!(st));
  return code;
}

/** Adds the duties in effect to `out`; returns why the rule cannot be granted, or undefined. */
function collectDuties(duties: CompiledDuty[], st: EvalState, out: Duty[]): string | undefined {
  for (const d of duties) {
    st.rule = d.ruleRef;
    let code: number = T;
    for (const fn of d.constraints) code = kleeneAnd(code as 0, fn(st));
    const where =
      d.source.kind === 'obligation'
        ? `obligation ${d.source.index}`
        : `permission ${d.source.index}, duty ${d.index}`;
    if (code === F) continue; // its condition does not hold: not in effect now
    if (code === MS) {
      const notes = st.trace
        .filter((t) => t.rule === d.ruleRef && t.outcome === 'missing')
        .map((t) => t.note)
        .join('; ');
      return `cannot tell whether ${where} (${d.action}) applies: ${notes}`;
    }
    if (d.fixed) {
      if (d.deadlineMs !== undefined && st.nowMs > d.deadlineMs) {
        return `the data had to be deleted by ${new Date(d.deadlineMs).toISOString()} (${where})`;
      }
      out.push(d.fixed);
      continue;
    }
    const w = d.within!;
    const a = st.ctx.agreement;
    if (a && a.signedAt instanceof Date && !Number.isNaN(a.signedAt.getTime())) {
      const deadlineMs = addDuration(a.signedAt.getTime(), w);
      if (st.nowMs > deadlineMs) {
        return `the data had to be deleted by ${new Date(deadlineMs).toISOString()}, ${w.text} after the agreement (${where})`;
      }
      const deadline = new Date(deadlineMs);
      out.push({
        action: d.action,
        source: d.source,
        deadline,
        description: `delete the data by ${deadline.toISOString()}, ${w.text} after the agreement (${where})`,
      });
    } else if (st.scope === 'transfer' || st.scope === 'request') {
      return `no agreement in the context (agreement.signedAt), so the deletion deadline of ${where} cannot be computed`;
    } else {
      out.push({
        action: d.action,
        source: d.source,
        afterAgreement: w.text,
        description: `delete the data within ${w.text} after the agreement (${where})`,
      });
    }
  }
  return undefined;
}

function fmt(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `[${v.map(fmt).join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/** One sentence for a failed or missing constraint. */
export function explain(t: ConstraintTrace): string {
  if (t.outcome === 'missing') return t.note ?? 'a value is missing from the context';
  if (t.kind !== 'atomic') return `${t.kind}: ${t.note ?? ''}`.trim();
  if (t.leftOperand === 'assignee')
    return `the participant ${fmt(t.leftValue)} is not the assignee ${fmt(t.rightValue)}`;
  if (t.leftOperand === 'target') return `the asset ${fmt(t.leftValue)} is not a target of this rule`;
  const phrase = OPERATOR_PHRASE[t.operator as Operator] ?? t.operator;
  const not = t.outcome === 'satisfied' ? 'is' : 'is not';
  if (t.leftOperand === 'count') {
    const n = t.leftValue as number;
    return `this would be use ${n} (${n - 1} so far), which ${not} ${phrase} ${fmt(t.rightValue)}`;
  }
  const label = leftOperand(t.leftOperand ?? '')?.label ?? t.leftOperand;
  const right = Array.isArray(t.rightValue) && t.rightValue.length === 1 ? t.rightValue[0] : t.rightValue;
  return `${label} ${fmt(t.leftValue)} ${not} ${phrase} ${fmt(right)}`;
}

/** The trace entries of a rule that made it fail, leaving out members of groups that held. */
function failures(trace: ConstraintTrace[], r: CompiledRule): ConstraintTrace[] {
  const mine = trace.filter((t) => t.rule === r.ruleRef);
  const held = mine.filter(
    (t) => t.kind !== 'atomic' && (t.outcome === 'satisfied' || t.outcome === 'not-applicable'),
  );
  return mine.filter(
    (t) =>
      (t.outcome === 'not-satisfied' || t.outcome === 'missing') &&
      !held.some((h) => t.pointer.startsWith(h.pointer + '/')) &&
      // a failed group is explained by its members unless it is an xone (whose members may all hold)
      !(
        t.kind !== 'atomic' &&
        t.kind !== 'xone' &&
        mine.some(
          (m) =>
            m.kind === 'atomic' &&
            m.pointer.startsWith(t.pointer + '/') &&
            (m.outcome === 'not-satisfied' || m.outcome === 'missing'),
        )
      ),
  );
}

function skipped(trace: ConstraintTrace[], r: CompiledRule): string[] {
  const out: string[] = [];
  for (const t of trace) {
    if (t.rule === r.ruleRef && t.outcome === 'not-applicable' && t.kind === 'atomic') {
      out.push(`constraint '${t.text}' of ${ruleName(r.kind, r.index, r.uid)} was skipped: ${t.note}`);
    }
  }
  return out;
}

export function evaluateModel(
  m: PolicyModel,
  scope: Scope,
  bit: number,
  ctx: EvaluationContext,
  action: string,
): Decision {
  const st: EvalState = {
    ctx,
    bit,
    scope,
    nowMs: ctx.now.getTime(),
    trace: [],
    scratch: { note: '' },
    rule: m.permissions[0]?.ruleRef ?? { kind: 'permission', index: 0 },
  };

  let granted: RuleResult | undefined;
  let anyPermission = false;
  const failed: RuleResult[] = [];
  for (const r of m.permissions) {
    if (!covers(r, action)) continue;
    anyPermission = true;
    const code = evalRule(r, st);
    if (code === T || code === NA) {
      const duties: Duty[] = [];
      const dutyFailure = r.duties.length ? collectDuties(r.duties, st, duties) : undefined;
      if (dutyFailure === undefined) {
        if (!granted) granted = { rule: r, code, duties };
        continue;
      }
      failed.push({ rule: r, code, dutyFailure });
      continue;
    }
    failed.push({ rule: r, code });
  }

  let prohibited: RuleResult | undefined;
  for (const r of m.prohibitions) {
    if (!covers(r, action)) continue;
    const code = evalRule(r, st);
    if ((code === T || code === MS) && !prohibited) prohibited = { rule: r, code };
  }

  const trace = st.trace;
  if (granted && prohibited) {
    const p = granted.rule;
    const q = prohibited.rule;
    const both = `${ruleName(p.kind, p.index, p.uid)} and ${ruleName(q.kind, q.index, q.uid)} both apply to '${action}'`;
    if (m.conflict === 'perm') {
      return permit(m, granted, st, [
        `${both}; the conflict strategy 'perm' lets the permission override the prohibition`,
      ]);
    }
    if (m.conflict === 'prohibit') {
      return {
        permitted: false,
        decidedBy: { kind: 'prohibition', index: q.index, uid: q.uid },
        trace,
        duties: [],
        reasons: [
          `denied: ${both}; the conflict strategy 'prohibit' lets the prohibition override the permission`,
          ...prohibitionWhy(trace, q),
        ],
      };
    }
    return {
      permitted: false,
      decidedBy: { kind: 'default', index: -1 },
      trace,
      duties: [],
      reasons: [
        `denied: ${both}, and the conflict strategy is 'invalid'${m.conflictExplicit ? '' : " (ODRL's default when none is set)"}, so the policy is void`,
      ],
    };
  }
  if (prohibited) {
    const q = prohibited.rule;
    return {
      permitted: false,
      decidedBy: { kind: 'prohibition', index: q.index, uid: q.uid },
      trace,
      duties: [],
      reasons: prohibitionWhy(trace, q),
    };
  }
  if (granted) return permit(m, granted, st, []);

  const reasons: string[] = [];
  if (!anyPermission) {
    const offered = [...new Set(m.permissions.flatMap((r) => r.actions))];
    reasons.push(
      offered.length
        ? `denied: no permission covers the action '${action}' (the policy permits ${offered.join(', ')})`
        : `denied: the policy has no permission, so nothing is permitted`,
    );
  }
  for (const f of failed) {
    const name = ruleName(f.rule.kind, f.rule.index, f.rule.uid);
    if (f.dutyFailure) {
      reasons.push(`denied: ${f.dutyFailure}`);
      continue;
    }
    for (const t of failures(trace, f.rule)) {
      reasons.push(
        t.kind === 'atomic'
          ? `denied: ${explain(t)} (${name}, constraint '${t.text}')`
          : `denied: ${explain(t)} (${name}, at ${t.pointer})`,
      );
    }
  }
  // The same sentence twice (one constraint written twice) says nothing more; the trace keeps both.
  return {
    permitted: false,
    decidedBy: { kind: 'default', index: -1 },
    trace,
    duties: [],
    reasons: [...new Set(reasons)],
  };
}

function covers(r: CompiledRule, action: string): boolean {
  const a = r.actions;
  for (let i = 0; i < a.length; i++) if (actionCovers(a[i]!, action)) return true;
  return false;
}

function prohibitionWhy(trace: ConstraintTrace[], q: CompiledRule): string[] {
  const name = ruleName(q.kind, q.index, q.uid);
  const mine = trace.filter((t) => t.rule === q.ruleRef && t.kind === 'atomic');
  const missing = mine.filter((t) => t.outcome === 'missing');
  if (missing.length) {
    return missing.map(
      (t) =>
        `denied: ${name} may apply and the context cannot rule it out: ${t.note} (constraint '${t.text}')`,
    );
  }
  const held = mine.filter((t) => t.outcome === 'satisfied');
  if (!held.length) return [`denied: ${name} prohibits '${q.actions.join(', ')}' without conditions`];
  return held.map((t) => `denied: ${name} applies because ${explain(t)} (constraint '${t.text}')`);
}

function permit(m: PolicyModel, g: RuleResult, st: EvalState, extra: string[]): Decision {
  const r = g.rule;
  const duties = g.duties ?? [];
  // Policy obligations come with the permit; one that is overdue or undeterminable denies.
  for (const o of m.obligations) {
    if (
      o.assignee !== undefined &&
      st.ctx.participant?.did !== undefined &&
      o.assignee !== st.ctx.participant.did
    )
      continue;
    const failure = collectDuties([o.self!], st, duties);
    if (failure !== undefined) {
      return {
        permitted: false,
        decidedBy: { kind: 'obligation', index: o.index, uid: o.uid },
        trace: st.trace,
        duties: [],
        reasons: [`denied: ${failure}`],
      };
    }
  }
  const reasons = [
    `permitted by ${ruleName(r.kind, r.index, r.uid)}: ${r.constraints.length ? (g.code === NA ? 'its constraints that apply hold' : 'its constraints hold') : 'it has no constraints'} in ${st.scope} scope`,
    ...extra,
  ];
  for (const s of skipped(st.trace, r)) reasons.push(s);
  if (duties.length)
    reasons.push(
      `with ${duties.length} ${duties.length === 1 ? 'duty' : 'duties'}: ${duties.map((d) => d.description).join('; ')}`,
    );
  return {
    permitted: true,
    decidedBy: { kind: 'permission', index: r.index, uid: r.uid },
    trace: st.trace,
    duties,
    reasons,
  };
}
