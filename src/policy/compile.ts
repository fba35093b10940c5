/**
 * Validation on write and compilation. compile() walks the normalised policy once, collects every
 * problem with a JSON pointer, and (when there is none) builds closures that evaluation runs:
 * parsed dates and durations, comparison functions, precomputed trace texts and static duties.
 */
import type { ClaimParams, LeftOperandDef, Scratch } from './operands.js';
import { MISSING, isAreaCode, leftOperand, leftOperands, parseClaimPath } from './operands.js';
import type { Comparator } from './operators.js';
import { SET_OPERATORS, compileComparator, operatorTypeProblem } from './operators.js';
import type { Entry, NNode } from './normalize.js';
import { entries, isNode, normalize } from './normalize.js';
import type {
  ConflictStrategy,
  ConstraintTrace,
  Duty,
  EvaluationContext,
  PolicyType,
  Problem,
  RuleKind,
  Scope,
} from './types.js';
import type { Typed, ValueType } from './values.js';
import { XSD_TYPES, formatElapsed, parseAs } from './values.js';
import type { LogicalOperand, Operator } from './vocab.js';
import {
  DUTY_ACTIONS,
  KNOWN_PREFIXES,
  LOGICAL,
  OPERATOR_SET,
  isKnownAction,
  shortName,
  xsdName,
} from './vocab.js';

/** Kleene-style outcome codes: false, true, unknown-because-not-applicable, unknown-because-missing. */
export const F = 0;
export const T = 1;
export const NA = 2;
export const MS = 3;
export type Code = 0 | 1 | 2 | 3;

export const SCOPE_BIT: Readonly<Record<Scope, number>> = {
  catalog: 1,
  negotiation: 2,
  transfer: 4,
  request: 8,
};

export interface EvalState {
  ctx: EvaluationContext;
  bit: number;
  scope: Scope;
  nowMs: number;
  trace: ConstraintTrace[];
  scratch: Scratch;
  rule: ConstraintTrace['rule'];
}

export type NodeFn = (st: EvalState) => Code;

export interface CompiledDuty {
  index: number;
  ptr: string;
  action: string;
  constraints: NodeFn[];
  /** A duty known in full at compile time (log, notify, delete by a fixed date), reused. */
  fixed?: Duty;
  /** delete within a duration after the agreement. */
  within?: { text: string; months: number; ms: number; negative: boolean };
  /** delete by a fixed instant. */
  deadlineMs?: number;
  source: Duty['source'];
  ruleRef: ConstraintTrace['rule'];
}

export interface CompiledRule {
  kind: RuleKind;
  index: number;
  uid?: string;
  ptr: string;
  actions: string[];
  targets: string[];
  assignee?: string;
  assigneePtr: string;
  /** Refinements of the action and constraints of the rule: all must hold. */
  constraints: NodeFn[];
  duties: CompiledDuty[];
  ruleRef: ConstraintTrace['rule'];
  /** For obligations: the duty itself. */
  self?: CompiledDuty;
}

export interface PolicyModel {
  type: PolicyType;
  uid?: string;
  conflict: ConflictStrategy;
  conflictExplicit: boolean;
  permissions: CompiledRule[];
  prohibitions: CompiledRule[];
  obligations: CompiledRule[];
  leftOperands: string[];
  actions: string[];
}

const POLICY_KEYS = new Set([
  '@id',
  '@type',
  'conflict',
  'profile',
  'permission',
  'prohibition',
  'obligation',
  'target',
  'assigner',
  'assignee',
  'action',
  'timestamp',
]);
const RULE_KEYS = new Set(['@id', '@type', 'action', 'target', 'assigner', 'assignee', 'constraint']);
const ATOMIC_KEYS = new Set(['@id', '@type', 'leftOperand', 'operator', 'rightOperand', 'dataType']);
const UNSUPPORTED: Readonly<Record<string, string>> = {
  inheritFrom: 'policy inheritance (inheritFrom) is not supported; copy the parent rules into this policy',
  remedy: 'remedy is not supported: Pontis cannot enforce what happens after an infringement',
  consequence: 'consequence is not supported: Pontis cannot enforce what happens after an unfulfilled duty',
  rightOperandReference:
    'rightOperandReference is not supported (it would need dereferencing); write the value as rightOperand',
  unit: 'unit is not supported by Pontis left operands; write the value in the unit the operand defines',
  status: 'status is not supported; Pontis reads current values from the evaluation context',
  failure: 'failure is not supported',
  relation: 'relation is not supported; use target',
  function: 'function is not supported; use assigner and assignee',
};

/** Keys outside the ODRL and Pontis vocabularies (dct:title, https://…) are metadata and kept as is. */
function isForeign(key: string): boolean {
  if (key.startsWith('@') || key.startsWith('pontis:')) return false;
  return key.includes(':');
}

class Compiler {
  problems: Problem[] = [];
  prefixes: Record<string, string> = {};
  usedOperands = new Set<string>();
  usedActions = new Set<string>();

  problem(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  checkKeys(node: NNode, allowed: ReadonlySet<string>, what: string): void {
    for (const k of node.props.keys()) {
      if (allowed.has(k) || isForeign(k)) continue;
      const msg = UNSUPPORTED[k] ?? `unknown property '${k}' in ${what}`;
      this.problem(node.keyPtr.get(k) ?? `${node.ptr}/${k}`, msg);
    }
  }

  /** Expands a compact IRI with a known or declared prefix; plain terms stay as they are. */
  iri(text: string): string {
    const i = text.indexOf(':');
    if (i > 0) {
      const p = text.slice(0, i);
      const ns = this.prefixes[p] ?? (p === 'odrl' || p === 'pontis' ? undefined : KNOWN_PREFIXES[p]);
      if (ns !== undefined && !text.startsWith(p + '://')) return ns + text.slice(i + 1);
    }
    return text;
  }

  /** A vocabulary value: "use" / "odrl:use" / {"@id": "http://www.w3.org/ns/odrl/2/use"}. */
  term(e: Entry): string | undefined {
    const v = e.value;
    if (typeof v === 'string') return shortName(v);
    if (isNode(v)) {
      // {"@id": ...} from @vocab-typed terms; {"@value": ...} where a context left the term untyped.
      const id = v.props.get('@id') ?? v.props.get('@value');
      if (id && id.length === 1 && typeof id[0]!.value === 'string') return shortName(id[0]!.value);
    }
    return undefined;
  }

  /** An IRI value: "urn:x" or {"@id": "urn:x"}. */
  iriValue(e: Entry, what: string): string | undefined {
    const v = e.value;
    let s: string | undefined;
    if (typeof v === 'string') s = v;
    else if (isNode(v)) {
      const id = v.props.get('@id');
      if (id && id.length === 1 && typeof id[0]!.value === 'string' && v.props.size === 1) s = id[0]!.value;
      else if (v.props.has('@type') || v.props.has('source')) {
        this.problem(e.ptr, `${what} must be an IRI; party and asset collections are not supported`);
        return undefined;
      }
    }
    if (s === undefined || s === '') {
      this.problem(e.ptr, `${what} must be an IRI`);
      return undefined;
    }
    return this.iri(s);
  }

  single(node: NNode, key: string, what: string, required: boolean): Entry | undefined {
    const list = node.props.get(key);
    if (!list || list.length === 0) {
      if (required) this.problem(`${node.ptr}/${key}`, `${what} is required`);
      return undefined;
    }
    if (list.length > 1) {
      this.problem(list[1]!.ptr, `${what} must have exactly one value`);
      return undefined;
    }
    return list[0];
  }

  compile(json: unknown): PolicyModel | undefined {
    const n = normalize(json, this.problems);
    this.prefixes = n.prefixes;
    const root = n.root;
    if (!root) return undefined;
    this.checkKeys(root, POLICY_KEYS, 'the policy');

    let type: PolicyType | undefined;
    const t = this.single(root, '@type', '@type (Set, Offer or Agreement)', true);
    if (t) {
      const name = typeof t.value === 'string' ? shortName(t.value) : undefined;
      if (name === 'Set' || name === 'Policy') type = 'Set';
      else if (name === 'Offer' || name === 'Agreement') type = name;
      else
        this.problem(
          t.ptr,
          `unknown policy type ${JSON.stringify(t.value)}; expected Set, Offer or Agreement`,
        );
    }
    let uid: string | undefined;
    const id = this.single(root, '@id', '@id', false);
    if (id) {
      if (typeof id.value === 'string' && id.value !== '') uid = id.value;
      else this.problem(id.ptr, '@id must be a non-empty string');
    }
    let conflict: ConflictStrategy = 'invalid';
    let conflictExplicit = false;
    const c = this.single(root, 'conflict', 'conflict', false);
    if (c) {
      const v = this.term(c);
      if (v === 'perm' || v === 'prohibit' || v === 'invalid') {
        conflict = v;
        conflictExplicit = true;
      } else
        this.problem(
          c.ptr,
          `unknown conflict strategy ${JSON.stringify(c.value)}; expected perm, prohibit or invalid`,
        );
    }
    const ts = this.single(root, 'timestamp', 'timestamp', false);
    if (ts) {
      const p =
        typeof ts.value === 'string'
          ? parseAs('dateTime', ts.value)
          : isNode(ts.value)
            ? this.literalText(ts.value)
            : undefined;
      if (!p || (typeof p === 'object' && 'error' in p)) {
        this.problem(ts.ptr, p && 'error' in p ? p.error : 'timestamp must be an xsd:dateTime');
      }
    }

    // Policy-level shared properties (ODRL 2.2 §2.7.1) are copied into every rule.
    const shared = {
      actions: root.props.get('action') ?? [],
      targets: (root.props.get('target') ?? [])
        .map((e) => this.iriValue(e, 'target'))
        .filter((x): x is string => !!x),
      assignee: this.partyOf(root, 'assignee'),
      assigner: this.partyOf(root, 'assigner'),
    };
    if (type === 'Agreement') {
      for (const k of ['target', 'assigner', 'assignee']) {
        if (!root.props.has(k)) this.problem(`${root.ptr}/${k}`, `an Agreement needs ${k}`);
      }
    }

    const permissions = (root.props.get('permission') ?? []).map((e, i) =>
      this.rule(e, 'permission', i, shared),
    );
    const prohibitions = (root.props.get('prohibition') ?? []).map((e, i) =>
      this.rule(e, 'prohibition', i, shared),
    );
    const obligations = (root.props.get('obligation') ?? []).map((e, i) =>
      this.rule(e, 'obligation', i, shared),
    );
    if (permissions.length + prohibitions.length + obligations.length === 0) {
      this.problem(
        `${root.ptr}/permission`,
        'a policy needs at least one permission, prohibition or obligation',
      );
    }
    if (this.problems.length || !type) return undefined;
    return {
      type,
      uid,
      conflict,
      conflictExplicit,
      permissions: permissions as CompiledRule[],
      prohibitions: prohibitions as CompiledRule[],
      obligations: obligations as CompiledRule[],
      leftOperands: [...this.usedOperands],
      actions: [...this.usedActions],
    };
  }

  literalText(node: NNode): Typed | { error: string } | undefined {
    const v = node.props.get('@value')?.[0]?.value;
    if (typeof v !== 'string') return undefined;
    return parseAs('dateTime', v);
  }

  partyOf(node: NNode, key: 'assignee' | 'assigner'): string | undefined {
    const e = this.single(node, key, key, false);
    return e ? this.iriValue(e, key) : undefined;
  }

  rule(
    e: Entry,
    kind: RuleKind,
    index: number,
    shared: { actions: Entry[]; targets: string[]; assignee?: string; assigner?: string },
  ): CompiledRule | undefined {
    const node = e.value;
    if (!isNode(node)) {
      this.problem(e.ptr, `a ${kind} must be an object`);
      return undefined;
    }
    const allowed = new Set(RULE_KEYS);
    if (kind === 'permission') allowed.add('duty');
    this.checkKeys(node, allowed, `a ${kind}`);
    const typeEntry = node.props.get('@type')?.[0];
    if (typeEntry) {
      const expected = kind === 'permission' ? 'Permission' : kind === 'prohibition' ? 'Prohibition' : 'Duty';
      if (typeof typeEntry.value !== 'string' || shortName(typeEntry.value) !== expected) {
        this.problem(typeEntry.ptr, `@type of a ${kind} must be ${expected}`);
      }
    }
    const ruleRef = Object.freeze({ kind, index });
    const uidEntry = node.props.get('@id')?.[0];
    const uid = uidEntry && typeof uidEntry.value === 'string' ? uidEntry.value : undefined;
    const targets = (node.props.get('target') ?? [])
      .map((t) => this.iriValue(t, 'target'))
      .filter((x): x is string => !!x);
    const assignee = this.partyOf(node, 'assignee') ?? shared.assignee;
    this.partyOf(node, 'assigner');

    if (kind === 'obligation') {
      const self = this.duty(node, index, { kind: 'obligation', index, uid }, ruleRef, shared.actions);
      return self
        ? {
            kind,
            index,
            uid,
            ptr: node.ptr,
            actions: [self.action],
            targets: targets.length ? targets : shared.targets,
            assignee,
            assigneePtr: `${node.ptr}/assignee`,
            constraints: [],
            duties: [],
            ruleRef,
            self,
          }
        : undefined;
    }

    const actionEntries = node.props.get('action') ?? shared.actions;
    if (actionEntries.length === 0) this.problem(`${node.ptr}/action`, `a ${kind} needs an action`);
    const actions: string[] = [];
    const constraints: NodeFn[] = [];
    for (const a of actionEntries) {
      const parsed = this.action(a);
      if (!parsed) continue;
      if (DUTY_ACTIONS.has(parsed.name) && parsed.name.startsWith('pontis:')) {
        this.problem(
          a.ptr,
          `${parsed.name} is a duty action; use it in a duty or an obligation, not in a ${kind}`,
        );
        continue;
      }
      actions.push(parsed.name);
      this.usedActions.add(parsed.name);
      for (const r of parsed.refinements) {
        const fn = this.constraint(r, ruleRef);
        if (fn) constraints.push(fn);
      }
    }
    for (const ce of entries(node, 'constraint')) {
      const fn = this.constraint(ce, ruleRef);
      if (fn) constraints.push(fn);
    }
    const duties: CompiledDuty[] = [];
    entries(node, 'duty').forEach((de, di) => {
      if (!isNode(de.value)) {
        this.problem(de.ptr, 'a duty must be an object');
        return;
      }
      const ref = Object.freeze({ kind, index, duty: di });
      const d = this.duty(de.value, di, { kind: 'permission', index, duty: di, uid }, ref, []);
      if (d) duties.push(d);
    });
    return {
      kind,
      index,
      uid,
      ptr: node.ptr,
      actions,
      targets: targets.length ? targets : shared.targets,
      assignee,
      assigneePtr: `${node.ptr}/assignee`,
      constraints,
      duties,
      ruleRef,
    };
  }

  /** An action: a term, or a refined action {"rdf:value": {"@id": "odrl:print"}, "refinement": [...]}. */
  action(e: Entry): { name: string; refinements: Entry[]; node?: NNode } | undefined {
    let name: string | undefined;
    let refinements: Entry[] = [];
    const v = e.value;
    if (isNode(v) && (v.props.has('rdf:value') || v.props.has('refinement'))) {
      for (const [k, list] of v.props) {
        if (k !== 'rdf:value' && k !== 'refinement' && k !== '@type' && !isForeign(k)) {
          this.problem(list[0]!.ptr, `unknown property '${k}' in a refined action`);
        }
      }
      const rv = v.props.get('rdf:value');
      if (!rv || rv.length !== 1) {
        this.problem(`${v.ptr}/rdf:value`, 'a refined action needs exactly one rdf:value naming the action');
        return undefined;
      }
      name = this.term(rv[0]!);
      refinements = entries(v, 'refinement');
      if (name === undefined) {
        this.problem(rv[0]!.ptr, 'rdf:value must name an action, e.g. {"@id": "odrl:use"}');
        return undefined;
      }
      if (!isKnownAction(name)) {
        this.problem(rv[0]!.ptr, `unknown action '${name}'`);
        return undefined;
      }
      return { name, refinements, node: v };
    }
    name = this.term(e);
    if (name === undefined) {
      this.problem(e.ptr, 'an action must be a term such as "use", or a refined action');
      return undefined;
    }
    if (!isKnownAction(name)) {
      this.problem(
        e.ptr,
        `unknown action '${name}'; ODRL 2.2 actions such as use, read, distribute, or the duties pontis:log, pontis:notify, delete`,
      );
      return undefined;
    }
    return { name, refinements };
  }

  duty(
    node: NNode,
    index: number,
    source: Duty['source'],
    ruleRef: ConstraintTrace['rule'],
    sharedActions: Entry[],
  ): CompiledDuty | undefined {
    const what = source.kind === 'obligation' ? 'an obligation' : 'a duty';
    this.checkKeys(node, RULE_KEYS, what);
    const uidEntry = node.props.get('@id')?.[0];
    const uid = uidEntry && typeof uidEntry.value === 'string' ? uidEntry.value : undefined;
    const actionEntries = node.props.get('action') ?? sharedActions;
    if (actionEntries.length !== 1) {
      this.problem(
        `${node.ptr}/action`,
        `${what} needs exactly one action (pontis:log, pontis:notify or delete)`,
      );
      return undefined;
    }
    const a = this.action(actionEntries[0]!);
    if (!a) return undefined;
    if (!DUTY_ACTIONS.has(a.name)) {
      this.problem(
        actionEntries[0]!.ptr,
        `'${a.name}' is not a duty Pontis can carry out; supported duties are pontis:log, pontis:notify (a URL) and delete (after a duration or by a date)`,
      );
      return undefined;
    }
    this.usedActions.add(a.name);
    const constraints: NodeFn[] = [];
    for (const ce of entries(node, 'constraint')) {
      const fn = this.constraint(ce, ruleRef);
      if (fn) constraints.push(fn);
    }
    const d: CompiledDuty = { index, ptr: node.ptr, action: a.name, constraints, source, ruleRef };
    const where =
      source.kind === 'obligation'
        ? `obligation ${source.index}`
        : `permission ${source.index}, duty ${index}`;
    const params = new Map<string, { op: string; value: Entry; ptr: string }>();
    for (const r of a.refinements) {
      const rn = r.value;
      if (!isNode(rn)) {
        this.problem(r.ptr, 'a refinement must be an object');
        continue;
      }
      const lo = this.single(rn, 'leftOperand', 'leftOperand', true);
      const op = this.single(rn, 'operator', 'operator', true);
      const ro = this.single(rn, 'rightOperand', 'rightOperand', true);
      if (!lo || !op || !ro) continue;
      const name = this.term(lo) ?? '';
      const opName = this.term(op) ?? '';
      params.set(name, { op: opName, value: ro, ptr: rn.ptr });
      const allowed =
        a.name === 'pontis:notify'
          ? ['pontis:endpoint']
          : a.name === 'delete'
            ? ['elapsedTime', 'dateTime']
            : [];
      if (!allowed.includes(name)) {
        this.problem(
          lo.ptr,
          allowed.length
            ? `${a.name} accepts only the refinement ${allowed.join(' or ')}, not '${name}'`
            : `${a.name} takes no refinement`,
        );
      } else if (opName !== (name === 'pontis:endpoint' ? 'eq' : 'lteq')) {
        this.problem(
          op.ptr,
          `the ${name} refinement of ${a.name} uses ${name === 'pontis:endpoint' ? 'eq' : 'lteq'}`,
        );
      }
    }
    if (a.name === 'pontis:log') {
      d.fixed = Object.freeze({
        action: a.name,
        source,
        uid,
        description: `log every use of the data (${where})`,
      });
    } else if (a.name === 'pontis:notify') {
      const p = params.get('pontis:endpoint');
      if (!p) {
        this.problem(
          a.node ? `${a.node.ptr}/refinement` : actionEntries[0]!.ptr,
          'pontis:notify needs a refinement {"leftOperand": "pontis:endpoint", "operator": "eq", "rightOperand": {"@id": "https://..."}}',
        );
        return undefined;
      }
      const url = this.iriValue(p.value, 'the notify endpoint');
      if (!url) return undefined;
      if (!/^https?:\/\/[^\s/]+/.test(url)) {
        this.problem(p.value.ptr, `the notify endpoint must be an http(s) URL, not '${url}'`);
        return undefined;
      }
      d.fixed = Object.freeze({
        action: a.name,
        source,
        uid,
        endpoint: url,
        description: `notify ${url} of every use (${where})`,
      });
    } else {
      const rel = params.get('elapsedTime');
      const abs = params.get('dateTime');
      if ((rel ? 1 : 0) + (abs ? 1 : 0) !== 1) {
        this.problem(
          a.node ? `${a.node.ptr}/refinement` : actionEntries[0]!.ptr,
          'delete needs one deadline: a refinement "elapsedTime lteq P30D" (after the agreement) or "dateTime lteq 2027-01-01T00:00:00Z"',
        );
        return undefined;
      }
      if (rel) {
        const typed = this.rightValue(rel.value, leftOperand('elapsedTime')!, undefined);
        if (!typed) return undefined;
        if (typed.duration!.negative) {
          this.problem(rel.value.ptr, 'the deletion period must not be negative');
          return undefined;
        }
        d.within = { text: typed.text, ...typed.duration! };
      } else {
        const typed = this.rightValue(abs!.value, leftOperand('dateTime')!, undefined);
        if (!typed) return undefined;
        d.deadlineMs = typed.type === 'date' ? typed.end! : (typed.key as number);
        const deadline = new Date(d.deadlineMs);
        d.fixed = Object.freeze({
          action: a.name,
          source,
          uid,
          deadline,
          description: `delete the data by ${deadline.toISOString()} (${where})`,
        });
      }
    }
    return d;
  }

  constraint(e: Entry, ruleRef: ConstraintTrace['rule']): NodeFn | undefined {
    const node = e.value;
    if (!isNode(node)) {
      this.problem(e.ptr, 'a constraint must be an object');
      return undefined;
    }
    const logical = LOGICAL.filter((k) => node.props.has(k));
    if (logical.length > 0) return this.logical(node, logical, ruleRef);
    if (!node.props.has('leftOperand') && node.props.has('@id') && node.props.size === 1) {
      this.problem(e.ptr, 'constraint references are not supported; write the constraint inline');
      return undefined;
    }
    return this.atomic(node, ruleRef);
  }

  logical(node: NNode, keys: LogicalOperand[], ruleRef: ConstraintTrace['rule']): NodeFn | undefined {
    if (keys.length > 1) {
      this.problem(
        node.ptr,
        `a logical constraint has exactly one of and, or, xone, andSequence (found ${keys.join(', ')})`,
      );
      return undefined;
    }
    const op = keys[0]!;
    for (const [k, list] of node.props) {
      if (k !== op && k !== '@id' && k !== '@type' && !isForeign(k)) {
        this.problem(list[0]!.ptr, UNSUPPORTED[k] ?? `unknown property '${k}' in a logical constraint`);
      }
    }
    const members = entries(node, op);
    if (members.length === 0) {
      this.problem(`${node.ptr}/${op}`, `${op} needs at least one constraint`);
      return undefined;
    }
    const fns: NodeFn[] = [];
    for (const m of members) {
      const fn = this.constraint(m, ruleRef);
      if (fn) fns.push(fn);
    }
    if (fns.length !== members.length) return undefined;
    const ptr = node.ptr;
    const n = fns.length;
    const text = `${op} of ${n} constraints`;
    const push = (st: EvalState, code: Code, satisfied: number, note?: string): Code => {
      st.trace.push({
        pointer: ptr,
        rule: st.rule,
        kind: op,
        text,
        outcome:
          code === T
            ? 'satisfied'
            : code === F
              ? 'not-satisfied'
              : code === NA
                ? 'not-applicable'
                : 'missing',
        note: note ?? `${satisfied} of ${n} satisfied`,
      });
      return code;
    };
    switch (op) {
      case 'and':
        return (st) => {
          let r: Code = T;
          let sat = 0;
          for (let i = 0; i < n; i++) {
            const c = fns[i]!(st);
            if (c === T) sat++;
            r = and(r, c);
          }
          return push(st, r, sat);
        };
      case 'andSequence':
        // In order; the first failure stops the sequence and the rest are reported not evaluated.
        return (st) => {
          let r: Code = T;
          let sat = 0;
          for (let i = 0; i < n; i++) {
            const c = fns[i]!(st);
            if (c === T) sat++;
            r = and(r, c);
            if (c === F || c === MS) {
              if (i + 1 < n) {
                st.trace.push({
                  pointer: `${ptr}/andSequence`,
                  rule: st.rule,
                  kind: 'andSequence',
                  text: `${n - i - 1} later constraint(s)`,
                  outcome: 'not-evaluated',
                  note: `not evaluated: constraint ${i} of the sequence failed`,
                });
              }
              break;
            }
          }
          return push(st, r, sat);
        };
      case 'or':
        return (st) => {
          let r: Code = F;
          let sat = 0;
          for (let i = 0; i < n; i++) {
            const c = fns[i]!(st);
            if (c === T) sat++;
            r = or(r, c);
          }
          return push(st, r, sat);
        };
      case 'xone':
        return (st) => {
          let sat = 0;
          let unknown: Code = T;
          for (let i = 0; i < n; i++) {
            const c = fns[i]!(st);
            if (c === T) sat++;
            else if (c === MS) unknown = MS;
            else if (c === NA && unknown !== MS) unknown = NA;
          }
          let r: Code;
          if (sat >= 2) r = F;
          else if (unknown !== T) r = unknown;
          else r = sat === 1 ? T : F;
          return push(st, r, sat, `${sat} of ${n} satisfied; exactly one must be`);
        };
    }
  }

  atomic(node: NNode, ruleRef: ConstraintTrace['rule']): NodeFn | undefined {
    void ruleRef;
    const allowed = new Set(ATOMIC_KEYS);
    const lo = this.single(node, 'leftOperand', 'leftOperand', true);
    const loName = lo ? this.term(lo) : undefined;
    if (loName === 'pontis:credentialClaim') {
      allowed.add('pontis:fromCredential');
      allowed.add('pontis:claimPath');
    }
    this.checkKeys(node, allowed, 'a constraint');
    const op = this.single(node, 'operator', 'operator', true);
    const ro = node.props.get('rightOperand');
    if (!ro || ro.length === 0) {
      if (!node.props.has('rightOperandReference'))
        this.problem(`${node.ptr}/rightOperand`, 'rightOperand is required');
    }
    if (!lo || !op || !ro || ro.length === 0) return undefined;

    let def: LeftOperandDef | undefined;
    if (loName === undefined) this.problem(lo.ptr, 'leftOperand must be a term such as "dateTime"');
    else {
      def = leftOperand(loName);
      if (!def) {
        this.problem(
          lo.ptr,
          `unknown left operand '${loName}'; known: ${leftOperands()
            .map((d) => d.name)
            .join(', ')}`,
        );
      }
    }
    const opName = this.term(op);
    let operator: Operator | undefined;
    if (opName === undefined || !OPERATOR_SET.has(opName)) {
      this.problem(
        op.ptr,
        `unknown operator ${JSON.stringify(opName ?? op.value)}; known: ${[...OPERATOR_SET].join(', ')}`,
      );
    } else {
      operator = opName as Operator;
      if (def && !def.operators.includes(operator)) {
        this.problem(
          op.ptr,
          `${def.name} does not support ${operator}; use one of ${def.operators.join(', ')}`,
        );
        operator = undefined;
      }
    }
    if (!def) return undefined;
    this.usedOperands.add(def.name);

    let params: ClaimParams | undefined;
    if (def.name === 'pontis:credentialClaim') {
      const ct = this.single(
        node,
        'pontis:fromCredential',
        'pontis:fromCredential (the credential type)',
        true,
      );
      const cp = this.single(
        node,
        'pontis:claimPath',
        'pontis:claimPath (a JSON path such as "$.level")',
        true,
      );
      const ctText = ct && this.literalString(ct);
      const cpText = cp && this.literalString(cp);
      if (ct && !ctText) this.problem(ct.ptr, 'pontis:fromCredential must be a credential type name');
      const path = cpText ? parseClaimPath(cpText) : undefined;
      if (cp && !path)
        this.problem(
          cp.ptr,
          `pontis:claimPath must be a JSON path such as "$.memberOf.level", not ${JSON.stringify(cp.value)}`,
        );
      if (ctText && path && cpText) params = { credentialType: ctText, path, pathText: cpText };
    }

    let dataType: ValueType | undefined;
    const dt = this.single(node, 'dataType', 'dataType', false);
    if (dt) {
      const name = this.term(dt);
      const x = name && xsdName(this.iri(name));
      dataType = x ? XSD_TYPES[x] : undefined;
      if (!dataType)
        this.problem(
          dt.ptr,
          `unknown dataType ${JSON.stringify(dt.value)}; use an xsd type such as xsd:dateTime`,
        );
    }

    const values: Typed[] = [];
    const list = entries(node, 'rightOperand');
    let ok = true;
    for (const v of list) {
      const typed = this.rightValue(v, def, dataType);
      if (typed) values.push(typed);
      else ok = false;
    }
    if (!ok || !operator) return undefined;
    const numeric = (t: ValueType): boolean => t === 'integer' || t === 'decimal';
    const first = values[0]!;
    for (let i = 1; i < values.length; i++) {
      const t = values[i]!.type;
      if (t !== first.type && !(numeric(t) && numeric(first.type))) {
        this.problem(
          list[i]!.ptr,
          `all values of the list must have the same type (xsd:${first.type}), found xsd:${t}`,
        );
        return undefined;
      }
    }
    for (const v of values) {
      const msg = operatorTypeProblem(operator, v.type, values.length);
      if (msg) {
        this.problem(`${node.ptr}/rightOperand`, msg);
        return undefined;
      }
    }
    if (!SET_OPERATORS.has(operator) && values.length !== 1) return undefined;

    const cmp = compileComparator(def.kind, operator, values);
    const rightDisplay: unknown = SET_OPERATORS.has(operator)
      ? values.map((v) => display(v))
      : display(first);
    const claimText = params ? `(${params.credentialType} ${params.pathText}) ` : '';
    const text = `${def.name} ${claimText}${operator} ${formatRight(rightDisplay)}`;
    return atomicFn(def, operator, cmp, params, node.ptr, text, rightDisplay);
  }

  literalString(e: Entry): string | undefined {
    const v = e.value;
    if (typeof v === 'string' && v !== '') return v;
    if (isNode(v)) {
      const x = v.props.get('@value')?.[0]?.value;
      if (typeof x === 'string' && x !== '') return x;
    }
    return undefined;
  }

  /** Parses one right operand value against what the left operand accepts. */
  rightValue(e: Entry, def: LeftOperandDef, dataType: ValueType | undefined): Typed | undefined {
    const v = e.value;
    let type: ValueType | undefined;
    let text: string | undefined;
    const fromJson = (x: string | number | boolean): void => {
      if (typeof x === 'number') {
        text = String(x);
        type = dataType ?? (Number.isInteger(x) ? 'integer' : 'decimal');
        if (
          type === 'decimal' &&
          def.accepts.includes('integer') &&
          !def.accepts.includes('decimal') &&
          !Number.isInteger(x)
        )
          type = 'decimal';
      } else if (typeof x === 'boolean') {
        text = String(x);
        type = dataType ?? 'boolean';
      } else {
        text = x;
        type = dataType ?? def.plainStringAs;
      }
    };
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fromJson(v);
    else if (isNode(v)) {
      if (v.props.has('@list')) {
        this.problem(e.ptr, 'nested lists are not allowed in a right operand');
        return undefined;
      }
      const val = v.props.get('@value')?.[0]?.value;
      const id = v.props.get('@id')?.[0]?.value;
      if (val !== undefined && val !== null && !isNode(val)) {
        fromJson(val);
        const t = v.props.get('@type')?.[0]?.value;
        if (typeof t === 'string') {
          const x = xsdName(this.iri(t));
          const mapped = x ? XSD_TYPES[x] : undefined;
          if (!mapped) {
            this.problem(
              `${v.ptr}/@type`,
              `unknown datatype '${t}'; use xsd:dateTime, date, duration, decimal, integer, string, anyURI or boolean`,
            );
            return undefined;
          }
          if (dataType && dataType !== mapped) {
            this.problem(`${v.ptr}/@type`, `@type xsd:${x} contradicts dataType xsd:${dataType}`);
            return undefined;
          }
          type = mapped;
        }
      } else if (typeof id === 'string') {
        text = this.iri(id);
        type = 'iri';
      } else {
        this.problem(
          e.ptr,
          'a right operand must be a literal, {"@value": ..., "@type": ...} or {"@id": ...}',
        );
        return undefined;
      }
    } else {
      this.problem(e.ptr, 'a right operand must not be null');
      return undefined;
    }
    if (type === undefined || text === undefined) return undefined;
    // A plain string for a dateTime operand may also be a date ("2026-12-31").
    if (
      type === 'dateTime' &&
      !dataType &&
      typeof v === 'string' &&
      /^-?\d{4,}-\d\d-\d\d(?:Z|[+-]\d\d:\d\d)?$/.test(text) &&
      def.accepts.includes('date')
    )
      type = 'date';
    if (!def.accepts.includes(type)) {
      const names = def.accepts.map((t) => (t === 'iri' ? 'an IRI' : `xsd:${t}`)).join(' or ');
      this.problem(
        e.ptr,
        `${def.name} needs ${names}, not ${type === 'iri' ? 'an IRI' : `xsd:${type}`} ${JSON.stringify(text)}`,
      );
      return undefined;
    }
    const parsed = parseAs(type, text);
    if ('error' in parsed) {
      this.problem(e.ptr, parsed.error);
      return undefined;
    }
    if (def.kind === 'area') {
      if (text.startsWith('_:')) {
        this.problem(
          e.ptr,
          `'${text}' is a blank node, not a named area; write a country code such as "DE" or a region "EU" / "EEA"`,
        );
        return undefined;
      }
      if (!isAreaCode(text)) {
        this.problem(
          e.ptr,
          `'${text}' is not an ISO 3166-1 alpha-2 country code (e.g. "DE") or a region ("EU", "EEA")`,
        );
        return undefined;
      }
    }
    return parsed;
  }
}

function and(a: Code, b: Code): Code {
  if (a === F || b === F) return F;
  if (a === MS || b === MS) return MS;
  if (a === NA || b === NA) return NA;
  return T;
}

function or(a: Code, b: Code): Code {
  if (a === T || b === T) return T;
  if (a === MS || b === MS) return MS;
  if (a === NA || b === NA) return NA;
  return F;
}

export { and as kleeneAnd };

function display(v: Typed): unknown {
  if (v.type === 'integer' || v.type === 'decimal') return v.key;
  if (v.type === 'boolean') return v.key;
  return v.text;
}

function formatRight(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => String(x)).join(', ')}]`;
  return String(v);
}

function atomicFn(
  def: LeftOperandDef,
  operator: Operator,
  cmp: Comparator,
  params: ClaimParams | undefined,
  pointer: string,
  text: string,
  rightValue: unknown,
): NodeFn {
  let mask = 0;
  for (const s of def.scopes) mask |= SCOPE_BIT[s];
  const name = def.name;
  const read = def.read;
  const elapsed = def.kind === 'elapsed';
  const time = def.kind === 'time';
  const scopesText = def.scopes.join(', ');
  return (st) => {
    if ((st.bit & mask) === 0) {
      st.trace.push({
        pointer,
        rule: st.rule,
        kind: 'atomic',
        text,
        leftOperand: name,
        operator,
        rightValue,
        outcome: 'not-applicable',
        note: `${name} means nothing in ${st.scope} scope; skipped here and checked in ${scopesText}`,
      });
      return NA;
    }
    const left = read(st.ctx, st.scratch, params);
    if (left === MISSING) {
      st.trace.push({
        pointer,
        rule: st.rule,
        kind: 'atomic',
        text,
        leftOperand: name,
        operator,
        rightValue,
        outcome: 'missing',
        note: st.scratch.note,
      });
      return MS;
    }
    const ok = cmp(left, st.nowMs);
    st.trace.push({
      pointer,
      rule: st.rule,
      kind: 'atomic',
      text,
      leftOperand: name,
      operator,
      rightValue,
      leftValue: elapsed ? formatElapsed(st.nowMs - (left as number)) : time ? st.ctx.now : left,
      outcome: ok ? 'satisfied' : 'not-satisfied',
    });
    return ok ? T : F;
  };
}

/** Compiles or returns the problems. Never throws for bad input. */
export function compileModel(json: unknown): { model?: PolicyModel; problems: Problem[] } {
  const c = new Compiler();
  let model: PolicyModel | undefined;
  try {
    model = c.compile(json);
  } catch (err) {
    // A bug in the compiler must not make a bad policy look valid.
    c.problem('', `the policy could not be compiled: ${(err as Error).message}`);
    model = undefined;
  }
  return { model: c.problems.length ? undefined : model, problems: c.problems };
}
