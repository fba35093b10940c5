/**
 * One view over both JSON-LD forms. The DSP 2025-1 compacted form (`"permission": [{"action": "use"}]`)
 * and the expanded form (`"http://www.w3.org/ns/odrl/2/permission": [{"...action": [{"@id": ".../use"}]}]`)
 * become the same tree of nodes whose keys are short names, and every value keeps the JSON pointer of
 * where it was written, so that problems point into the document the user sent.
 *
 * Done by hand instead of with jsonld.compact: it is pure, synchronous and fast, and it refuses
 * contexts it does not understand rather than guessing.
 */
import type { Problem } from './types.js';
import { DSP_CONTEXT, KNOWN_PREFIXES, ODRL, ODRL_CONTEXT, PONTIS, RDF } from './vocab.js';

export interface Entry {
  ptr: string;
  /** A JSON primitive, or a node for a JSON object. Arrays are flattened into several entries. */
  value: string | number | boolean | null | NNode;
}

export interface NNode {
  ptr: string;
  props: Map<string, Entry[]>;
  /** Keys as written (for compacted-form checks). */
  rawKeys: string[];
  /** Pointer of each (normalised) key as written. */
  keyPtr: Map<string, string>;
}

export function isNode(v: Entry['value']): v is NNode {
  return typeof v === 'object' && v !== null;
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

const DSPACE_TIMESTAMP = 'https://w3id.org/dspace/2025/1/timestamp';

export function normalizeKey(key: string): string {
  if (key.startsWith('@')) return key;
  if (key === 'uid' || key === ODRL + 'uid' || key === 'odrl:uid') return '@id';
  if (key.startsWith(ODRL)) return key.slice(ODRL.length);
  if (key.startsWith('odrl:')) return key.slice(5);
  if (key === RDF + 'value') return 'rdf:value';
  if (key.startsWith(PONTIS)) return 'pontis:' + key.slice(PONTIS.length);
  if (key === DSPACE_TIMESTAMP) return 'timestamp';
  return key;
}

export interface Normalized {
  root: NNode | null;
  expanded: boolean;
  /** Prefixes declared in the policy's @context (besides the known ones). */
  prefixes: Record<string, string>;
}

export function normalize(json: unknown, problems: Problem[]): Normalized {
  const prefixes: Record<string, string> = {};
  let doc = json;
  let base = '';
  let expanded = false;
  if (Array.isArray(json)) {
    // jsonld.expand output: an array holding the one policy node.
    if (json.length !== 1 || typeof json[0] !== 'object' || json[0] === null || Array.isArray(json[0])) {
      problems.push({
        pointer: '',
        message: 'an expanded policy must be an array holding exactly one object',
      });
      return { root: null, expanded: true, prefixes };
    }
    doc = json[0];
    base = '/0';
    expanded = true;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push({ pointer: '', message: 'a policy must be a JSON object' });
    return { root: null, expanded, prefixes };
  }
  const obj = doc as Record<string, unknown>;
  let odrlContext = false;
  if ('@context' in obj) odrlContext = readContext(obj['@context'], base + '/@context', prefixes, problems);
  if (!expanded) expanded = Object.keys(obj).some((k) => k.startsWith(ODRL));
  const root = toNode(obj, base, true, 0, problems);
  if (!expanded && !odrlContext) checkDspTerms(root, problems);
  return { root, expanded, prefixes };
}

/**
 * ODRL terms the DSP 2025-1 context does not define. A JSON-LD processor drops them from a
 * compacted policy, so accepting them here would make the two forms disagree: ask for odrl:x.
 */
const NOT_IN_DSP: Readonly<Record<string, string>> = {
  conflict: 'odrl:conflict',
  refinement: 'odrl:refinement',
  dataType: 'odrl:dataType',
  uid: '@id',
};

function checkDspTerms(node: NNode, problems: Problem[]): void {
  for (const [, list] of node.props) {
    for (const e of list) if (isNode(e.value)) checkDspTerms(e.value, problems);
  }
  for (const raw of node.rawKeys) {
    const fix = NOT_IN_DSP[raw];
    if (fix) {
      problems.push({
        pointer: `${node.ptr}/${escapePointer(raw)}`,
        message: `'${raw}' is not defined by the DSP 2025-1 context, so JSON-LD processors drop it; write '${fix}' (or add ${ODRL_CONTEXT} to @context)`,
      });
    }
  }
}

/** Reads @context; returns true when it includes the ODRL context (which defines every ODRL term). */
function readContext(
  ctx: unknown,
  ptr: string,
  prefixes: Record<string, string>,
  problems: Problem[],
): boolean {
  let odrl = false;
  const items = Array.isArray(ctx) ? ctx : [ctx];
  items.forEach((item, i) => {
    const p = Array.isArray(ctx) ? `${ptr}/${i}` : ptr;
    if (typeof item === 'string') {
      if (item === ODRL_CONTEXT) odrl = true;
      if (item !== DSP_CONTEXT && item !== ODRL_CONTEXT) {
        problems.push({
          pointer: p,
          message: `unknown context '${item}': use '${DSP_CONTEXT}' (or '${ODRL_CONTEXT}'), or send the policy in expanded JSON-LD`,
        });
      }
      return;
    }
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
        if (k === '@version' || k === '@protected') continue;
        if (
          typeof v === 'string' &&
          /^[a-zA-Z][\w.-]*$/.test(k) &&
          /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*[/#:]$/.test(v)
        ) {
          const known = KNOWN_PREFIXES[k];
          if (known !== undefined && known !== v) {
            problems.push({
              pointer: `${p}/${escapePointer(k)}`,
              message: `prefix '${k}' must be '${known}'`,
            });
          } else {
            prefixes[k] = v;
          }
          continue;
        }
        problems.push({
          pointer: `${p}/${escapePointer(k)}`,
          message: `only prefix definitions (e.g. "ex": "https://example.org/") are allowed in an inline context; send the policy in expanded JSON-LD instead`,
        });
      }
      return;
    }
    problems.push({
      pointer: p,
      message: 'a context must be a URL string or an object of prefix definitions',
    });
  });
  return odrl;
}

/** Deeper than this, a policy is refused rather than walked (no stack exhaustion on hostile input). */
const MAX_DEPTH = 64;

function toNode(
  obj: Record<string, unknown>,
  ptr: string,
  root: boolean,
  depth: number,
  problems: Problem[],
): NNode {
  const props = new Map<string, Entry[]>();
  const keyPtr = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    if (root && k === '@context') continue;
    const key = normalizeKey(k);
    const kp = `${ptr}/${escapePointer(k)}`;
    keyPtr.set(key, kp);
    const list = props.get(key) ?? [];
    if (Array.isArray(v)) {
      v.forEach((item, i) => list.push(toEntry(item, `${kp}/${i}`, depth + 1, problems)));
    } else {
      list.push(toEntry(v, kp, depth + 1, problems));
    }
    props.set(key, list);
  }
  return { ptr, props, rawKeys: Object.keys(obj), keyPtr };
}

function toEntry(v: unknown, ptr: string, depth: number, problems: Problem[]): Entry {
  if (depth > MAX_DEPTH && typeof v === 'object' && v !== null) {
    if (!problems.some((p) => p.message.startsWith('the policy nests'))) {
      problems.push({ pointer: ptr, message: `the policy nests deeper than ${MAX_DEPTH} levels` });
    }
    return { ptr, value: null };
  }
  if (typeof v === 'object' && v !== null) {
    if (Array.isArray(v)) {
      // A nested array only arises as a list value; keep it as an @list node.
      const props = new Map<string, Entry[]>();
      props.set(
        '@list',
        v.map((x, i) => toEntry(x, `${ptr}/${i}`, depth + 1, problems)),
      );
      return { ptr, value: { ptr, props, rawKeys: [], keyPtr: new Map() } };
    }
    return { ptr, value: toNode(v as Record<string, unknown>, ptr, false, depth + 1, problems) };
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null)
    return { ptr, value: v };
  return { ptr, value: null };
}

/** The entries of a property; a single `@list` node is opened (ordered lists in JSON-LD). */
export function entries(node: NNode, key: string): Entry[] {
  const list = node.props.get(key);
  if (!list) return [];
  if (list.length === 1) {
    const v = list[0]!.value;
    if (isNode(v) && v.props.has('@list') && v.props.size === 1) return v.props.get('@list')!;
  }
  return list;
}
