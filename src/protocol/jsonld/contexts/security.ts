/**
 * Security and DID contexts that no installed npm package ships, written by us after the published
 * documents (their term definitions must match exactly: Data Integrity proofs canonicalize RDF, so a
 * different mapping would change the signed bytes):
 * - Data Integrity v1 and v2 (W3C VC Data Integrity 1.0, section "Contexts and Vocabularies");
 * - Multikey v1 (W3C Controlled Identifiers 1.0 / VC Data Integrity, "Multikey");
 * - DID v1 (W3C DID Core 1.0, section "JSON-LD");
 * - JSON Web Signature 2020 v1 (W3C CCG "Linked Data Proof JSON Web Signature 2020");
 * - Status List 2021 v1 (W3C CCG "Verifiable Credentials Status List v2021").
 */
const SEC = 'https://w3id.org/security#';
const XSD_DATETIME = 'http://www.w3.org/2001/XMLSchema#dateTime';

const idAndType = { id: '@id', type: '@type' } as const;
const methodSet = (name: string) => ({ '@id': `${SEC}${name}`, '@type': '@id', '@container': '@set' });
const dateTime = (id: string) => ({ '@id': id, '@type': XSD_DATETIME });
const multibase = (name: string) => ({ '@id': `${SEC}${name}`, '@type': `${SEC}multibase` });

/** The verification relationships a proof purpose may name. */
const proofPurposeTerms = {
  '@protected': true,
  ...idAndType,
  assertionMethod: methodSet('assertionMethod'),
  authentication: methodSet('authenticationMethod'),
  capabilityInvocation: methodSet('capabilityInvocationMethod'),
  capabilityDelegation: methodSet('capabilityDelegationMethod'),
  keyAgreement: methodSet('keyAgreementMethod'),
};

const proofCommon = {
  challenge: `${SEC}challenge`,
  created: dateTime('http://purl.org/dc/terms/created'),
  domain: `${SEC}domain`,
  expires: dateTime(`${SEC}expiration`),
  nonce: `${SEC}nonce`,
};

const proofPurpose = { '@id': `${SEC}proofPurpose`, '@type': '@vocab', '@context': proofPurposeTerms };
const verificationMethod = { '@id': `${SEC}verificationMethod`, '@type': '@id' };
const proofGraph = { '@id': `${SEC}proof`, '@type': '@id', '@container': '@graph' };

function dataIntegrity(version: 1 | 2) {
  return {
    '@context': {
      ...idAndType,
      '@protected': true,
      proof: proofGraph,
      DataIntegrityProof: {
        '@id': `${SEC}DataIntegrityProof`,
        '@context': {
          '@protected': true,
          ...idAndType,
          ...proofCommon,
          ...(version === 2 ? { previousProof: { '@id': `${SEC}previousProof`, '@type': '@id' } } : {}),
          proofPurpose,
          cryptosuite:
            version === 2
              ? { '@id': `${SEC}cryptosuite`, '@type': `${SEC}cryptosuiteString` }
              : `${SEC}cryptosuite`,
          proofValue: multibase('proofValue'),
          verificationMethod,
        },
      },
    },
  };
}

export const DATA_INTEGRITY_V1_URL = 'https://w3id.org/security/data-integrity/v1';
export const DATA_INTEGRITY_V2_URL = 'https://w3id.org/security/data-integrity/v2';
export const dataIntegrityV1 = dataIntegrity(1);
export const dataIntegrityV2 = dataIntegrity(2);

export const MULTIKEY_V1_URL = 'https://w3id.org/security/multikey/v1';
export const multikeyV1 = {
  '@context': {
    ...idAndType,
    '@protected': true,
    Multikey: {
      '@id': `${SEC}Multikey`,
      '@context': {
        '@protected': true,
        ...idAndType,
        controller: { '@id': `${SEC}controller`, '@type': '@id' },
        revoked: dateTime(`${SEC}revoked`),
        expires: dateTime(`${SEC}expiration`),
        publicKeyMultibase: multibase('publicKeyMultibase'),
        secretKeyMultibase: multibase('secretKeyMultibase'),
      },
    },
  },
};

export const DID_V1_URL = 'https://www.w3.org/ns/did/v1';
export const didV1 = {
  '@context': {
    '@protected': true,
    ...idAndType,
    alsoKnownAs: { '@id': 'https://www.w3.org/ns/activitystreams#alsoKnownAs', '@type': '@id' },
    assertionMethod: methodSet('assertionMethod'),
    authentication: methodSet('authenticationMethod'),
    capabilityDelegation: methodSet('capabilityDelegationMethod'),
    capabilityInvocation: methodSet('capabilityInvocationMethod'),
    controller: { '@id': `${SEC}controller`, '@type': '@id' },
    keyAgreement: methodSet('keyAgreementMethod'),
    service: {
      '@id': 'https://www.w3.org/ns/did#service',
      '@type': '@id',
      '@context': {
        '@protected': true,
        ...idAndType,
        serviceEndpoint: { '@id': 'https://www.w3.org/ns/did#serviceEndpoint', '@type': '@id' },
      },
    },
    verificationMethod,
  },
};

export const JWS_2020_V1_URL = 'https://w3id.org/security/suites/jws-2020/v1';
export const jws2020V1 = {
  '@context': {
    privateKeyJwk: { '@id': `${SEC}privateKeyJwk`, '@type': '@json' },
    JsonWebKey2020: {
      '@id': `${SEC}JsonWebKey2020`,
      '@context': {
        '@protected': true,
        ...idAndType,
        publicKeyJwk: { '@id': `${SEC}publicKeyJwk`, '@type': '@json' },
      },
    },
    JsonWebSignature2020: {
      '@id': `${SEC}JsonWebSignature2020`,
      '@context': {
        '@protected': true,
        ...idAndType,
        ...proofCommon,
        jws: `${SEC}jws`,
        proofPurpose,
        verificationMethod,
      },
    },
  },
};

const SL = 'https://w3id.org/vc/status-list#';
export const STATUS_LIST_2021_V1_URL = 'https://w3id.org/vc/status-list/2021/v1';
export const statusList2021V1 = {
  '@context': {
    '@protected': true,
    StatusList2021Credential: {
      '@id': `${SL}StatusList2021Credential`,
      '@context': {
        '@protected': true,
        ...idAndType,
        description: 'http://schema.org/description',
        name: 'http://schema.org/name',
      },
    },
    StatusList2021: {
      '@id': `${SL}StatusList2021`,
      '@context': {
        '@protected': true,
        ...idAndType,
        statusPurpose: `${SL}statusPurpose`,
        encodedList: `${SL}encodedList`,
      },
    },
    StatusList2021Entry: {
      '@id': `${SL}StatusList2021Entry`,
      '@context': {
        '@protected': true,
        ...idAndType,
        statusPurpose: `${SL}statusPurpose`,
        statusListIndex: `${SL}statusListIndex`,
        statusListCredential: { '@id': `${SL}statusListCredential`, '@type': '@id' },
      },
    },
  },
};
