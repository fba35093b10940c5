/**
 * The ODRL 2.2 context, published as `http://www.w3.org/ns/odrl.jsonld`.
 *
 * Written by us from the ODRL Information Model 2.2 and the ODRL Vocabulary & Expression 2.2 (W3C
 * Recommendations): the core classes and properties, the common vocabulary's actions, left operands
 * and operators that policies in this project use. Not every term of the published document is here
 * (e.g. the vCard, FOAF and Creative Commons mappings); a term we lack is left unexpanded, which our
 * policy parser rejects, so a gap shows as a clear error and never as a silently different policy.
 * `neq` is `odrl:neq` (the published document had the typo `odrl:neg` until 2025-04).
 */
export const ODRL_CONTEXT_URL = 'http://www.w3.org/ns/odrl.jsonld';

const iri = (name: string) => ({ '@type': '@id', '@id': `odrl:${name}` });
const vocab = (name: string) => ({ '@type': '@vocab', '@id': `odrl:${name}` });
const plain = (names: string[]) => Object.fromEntries(names.map((n) => [n, `odrl:${n}`]));

// prettier-ignore
const classes = [
  'Policy', 'Rule', 'Set', 'Offer', 'Agreement', 'Assertion', 'Request', 'Ticket', 'Privacy',
  'Asset', 'AssetCollection', 'Party', 'PartyCollection', 'Permission', 'Prohibition', 'Duty',
  'Action', 'Constraint', 'LogicalConstraint', 'Operator', 'LeftOperand', 'RightOperand',
  'ConflictTerm', 'UndefinedTerm', 'AssetScope', 'PartyScope',
];
// prettier-ignore
const actions = [
  'use', 'transfer', 'acceptTracking', 'aggregate', 'annotate', 'anonymize', 'archive', 'attribute',
  'compensate', 'concurrentUse', 'delete', 'derive', 'digitize', 'display', 'distribute',
  'ensureExclusivity', 'execute', 'extract', 'give', 'grantUse', 'include', 'index', 'inform',
  'install', 'modify', 'move', 'nextPolicy', 'obtainConsent', 'play', 'present', 'print', 'read',
  'reproduce', 'reviewPolicy', 'sell', 'stream', 'synchronize', 'textToSpeech', 'transform',
  'translate', 'uninstall', 'watermark',
];
// prettier-ignore
const leftOperands = [
  'absolutePosition', 'absoluteSpatialPosition', 'absoluteTemporalPosition', 'absoluteSize', 'count',
  'dateTime', 'delayPeriod', 'deliveryChannel', 'elapsedTime', 'event', 'fileFormat', 'industry',
  'language', 'media', 'meteredTime', 'payAmount', 'percentage', 'product', 'purpose', 'recipient',
  'relativePosition', 'relativeSpatialPosition', 'relativeTemporalPosition', 'relativeSize',
  'resolution', 'spatial', 'spatialCoordinates', 'systemDevice', 'timeInterval', 'unitOfCount',
  'version', 'virtualLocation',
];
// prettier-ignore
const operators = [
  'eq', 'gt', 'gteq', 'lt', 'lteq', 'neq', 'isA', 'hasPart', 'isPartOf', 'isAllOf', 'isAnyOf',
  'isNoneOf', 'or', 'xone', 'and', 'andSequence',
];

export const odrlContext = {
  '@context': {
    odrl: 'http://www.w3.org/ns/odrl/2/',
    rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
    rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
    owl: 'http://www.w3.org/2002/07/owl#',
    skos: 'http://www.w3.org/2004/02/skos/core#',
    dct: 'http://purl.org/dc/terms/',
    xsd: 'http://www.w3.org/2001/XMLSchema#',

    uid: '@id',
    type: '@type',

    ...plain(classes),
    ...plain(actions),
    ...plain(leftOperands),
    ...plain(operators),
    ...plain(['perm', 'prohibit', 'invalid', 'policyUsage']),

    profile: iri('profile'),
    inheritFrom: iri('inheritFrom'),
    conflict: vocab('conflict'),
    hasPolicy: iri('hasPolicy'),
    target: iri('target'),
    assigner: iri('assigner'),
    assignee: iri('assignee'),
    partOf: iri('partOf'),
    source: iri('source'),
    scope: vocab('scope'),
    function: vocab('function'),
    relation: vocab('relation'),
    action: vocab('action'),
    permission: iri('permission'),
    prohibition: iri('prohibition'),
    obligation: iri('obligation'),
    duty: iri('duty'),
    consequence: iri('consequence'),
    remedy: iri('remedy'),
    failure: iri('failure'),
    constraint: iri('constraint'),
    refinement: iri('refinement'),
    includedIn: iri('includedIn'),
    implies: iri('implies'),
    operator: vocab('operator'),
    leftOperand: vocab('leftOperand'),
    rightOperand: 'odrl:rightOperand',
    rightOperandReference: iri('rightOperandReference'),
    dataType: iri('dataType'),
    unit: iri('unit'),
    status: 'odrl:status',
    attributedParty: iri('attributedParty'),
    compensatedParty: iri('compensatedParty'),
    informedParty: iri('informedParty'),
    trackingParty: iri('trackingParty'),
    output: iri('output'),
  },
};
