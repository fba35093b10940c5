/** Namespaces and the ODRL terms the engine knows. Everything else is refused on write. */
export const ODRL = 'http://www.w3.org/ns/odrl/2/';
export const PONTIS = 'https://w3id.org/pontis/policy/';
export const XSD = 'http://www.w3.org/2001/XMLSchema#';
export const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
export const DSP_CONTEXT = 'https://w3id.org/dspace/2025/1/context.jsonld';
export const ODRL_CONTEXT = 'http://www.w3.org/ns/odrl.jsonld';

/** Prefixes understood without a context definition (DSP context defines odrl, xsd, dct, dcat, dspace). */
export const KNOWN_PREFIXES: Readonly<Record<string, string>> = {
  odrl: ODRL,
  pontis: PONTIS,
  xsd: XSD,
  rdf: RDF,
  dct: 'http://purl.org/dc/terms/',
  dcat: 'http://www.w3.org/ns/dcat#',
  dspace: 'https://w3id.org/dspace/2025/1/',
};

export const OPERATORS = [
  'eq',
  'neq',
  'lt',
  'lteq',
  'gt',
  'gteq',
  'isA',
  'hasPart',
  'isPartOf',
  'isAllOf',
  'isAnyOf',
  'isNoneOf',
] as const;
export type Operator = (typeof OPERATORS)[number];
export const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

export const LOGICAL = ['and', 'or', 'xone', 'andSequence'] as const;
export type LogicalOperand = (typeof LOGICAL)[number];

/** Words for reasons: "<left> is <phrase> <right>". */
export const OPERATOR_PHRASE: Readonly<Record<Operator, string>> = {
  eq: 'equal to',
  neq: 'different from',
  lt: 'less than',
  lteq: 'less than or equal to',
  gt: 'greater than',
  gteq: 'greater than or equal to',
  isA: 'an instance of',
  hasPart: 'containing',
  isPartOf: 'part of',
  isAllOf: 'all of',
  isAnyOf: 'any of',
  isNoneOf: 'none of',
};

/**
 * ODRL 2.2 actions with their includedIn parent (ODRL Common Vocabulary). `use` and `transfer` are
 * the roots. A permission or prohibition of an action covers every action included in it.
 * Deprecated ODRL terms are left out on purpose: they are refused.
 */
const ACTION_PARENT: Readonly<Record<string, string | null>> = {
  use: null,
  transfer: null,
  give: 'transfer',
  sell: 'transfer',
  acceptTracking: 'use',
  aggregate: 'use',
  annotate: 'use',
  anonymize: 'use',
  archive: 'use',
  attribute: 'use',
  compensate: 'use',
  concurrentUse: 'use',
  delete: 'use',
  derive: 'use',
  digitize: 'use',
  display: 'use',
  distribute: 'use',
  ensureExclusivity: 'use',
  execute: 'use',
  extract: 'use',
  grantUse: 'use',
  include: 'use',
  index: 'use',
  inform: 'use',
  install: 'use',
  modify: 'use',
  move: 'use',
  nextPolicy: 'use',
  obtainConsent: 'use',
  play: 'use',
  present: 'use',
  print: 'use',
  read: 'use',
  reproduce: 'use',
  reviewPolicy: 'use',
  stream: 'use',
  synchronize: 'use',
  textToSpeech: 'use',
  transform: 'use',
  translate: 'use',
  uninstall: 'use',
  watermark: 'use',
  // Pontis duty actions (https://w3id.org/pontis/policy/): usable as duties only.
  'pontis:log': 'use',
  'pontis:notify': 'use',
};

export const DUTY_ACTIONS: ReadonlySet<string> = new Set(['pontis:log', 'pontis:notify', 'delete']);

export function isKnownAction(a: string): boolean {
  return Object.prototype.hasOwnProperty.call(ACTION_PARENT, a);
}

/** True when `requested` is `ruleAction` or transitively included in it (read ⊑ use). */
export function actionCovers(ruleAction: string, requested: string): boolean {
  let a: string | null | undefined = requested;
  while (a) {
    if (a === ruleAction) return true;
    a = ACTION_PARENT[a];
  }
  return false;
}

/** Short name of a vocabulary IRI or compact IRI: odrl terms unprefixed, Pontis terms as 'pontis:x'. */
export function shortName(term: string): string {
  if (term.startsWith(ODRL)) return term.slice(ODRL.length);
  if (term.startsWith('odrl:')) return term.slice(5);
  if (term.startsWith(PONTIS)) return 'pontis:' + term.slice(PONTIS.length);
  return term;
}

/** Short name of an xsd datatype IRI or compact IRI ('xsd:dateTime'), or undefined when not xsd. */
export function xsdName(t: string): string | undefined {
  if (t.startsWith(XSD)) return t.slice(XSD.length);
  if (t.startsWith('xsd:')) return t.slice(4);
  return undefined;
}
