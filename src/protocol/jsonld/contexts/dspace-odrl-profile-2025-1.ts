/**
 * The DSP 2025-1 ODRL profile context, published as `https://w3id.org/dspace/2025/1/odrl-profile.jsonld`.
 *
 * Written by us from the DSP 2025-1 specification, "Contract Negotiation Protocol" (ODRL Policy
 * classes: Offer, Agreement, Set; Permission, Prohibition, Duty; Constraint and logical constraints)
 * and the ODRL 2.2 Information Model it profiles. It is imported (`@import`, `@propagate`) by the DSP
 * context for the policy-bearing types (ContractRequestMessage, ContractOfferMessage,
 * ContractAgreementMessage, Dataset). The mappings have the same meaning as the published document:
 * note `neq` is `odrl:neq` (an older ODRL context copy has the typo `odrl:neg`).
 */
export const DSP_ODRL_PROFILE_URL = 'https://w3id.org/dspace/2025/1/odrl-profile.jsonld';

const ODRL = 'odrl:';
const iri = (name: string) => ({ '@type': '@id', '@id': ODRL + name });
const vocab = (name: string) => ({ '@type': '@vocab', '@id': ODRL + name });
const iriSet = (name: string) => ({ '@type': '@id', '@id': ODRL + name, '@container': '@set' });
/** Plain `term: odrl:term` mappings (classes, operators, the `use` action). */
const plain = (names: string[]) => Object.fromEntries(names.map((n) => [n, ODRL + n]));

export const dspOdrlProfile2025_1 = {
  '@context': {
    odrl: 'http://www.w3.org/ns/odrl/2/',
    ...plain(['Policy', 'Rule']),
    profile: iri('profile'),
    prohibit: 'odrl:prohibit',
    ...plain(['Agreement', 'Assertion', 'Offer', 'Set', 'Asset']),
    hasPolicy: iri('hasPolicy'),
    target: iri('target'),
    assignee: iri('assignee'),
    assigner: iri('assigner'),
    Action: 'odrl:Action',
    action: vocab('action'),
    Permission: 'odrl:Permission',
    permission: iriSet('permission'),
    Prohibition: 'odrl:Prohibition',
    prohibition: iriSet('prohibition'),
    obligation: iriSet('obligation'),
    use: 'odrl:use',
    Duty: 'odrl:Duty',
    duty: iriSet('duty'),
    Constraint: 'odrl:Constraint',
    constraint: iriSet('constraint'),
    Operator: 'odrl:Operator',
    operator: vocab('operator'),
    RightOperand: 'odrl:RightOperand',
    rightOperand: 'odrl:rightOperand',
    LeftOperand: 'odrl:LeftOperand',
    leftOperand: vocab('leftOperand'),
    ...plain(['eq', 'gt', 'gteq', 'lt', 'lteq', 'neq', 'isA', 'hasPart', 'isPartOf', 'isAllOf', 'isAnyOf']),
    ...plain(['isNoneOf', 'or', 'xone', 'and', 'andSequence']),
  },
} as const;
