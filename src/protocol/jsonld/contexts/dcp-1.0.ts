/**
 * The Decentralized Claims Protocol 1.0 context, published as `https://w3id.org/dspace-dcp/v1.0/dcp.jsonld`.
 *
 * Written by us from DCP 1.0: "Verifiable Presentation Protocol" (PresentationQueryMessage,
 * PresentationResponseMessage), "Credential Issuance Protocol" (CredentialRequestMessage,
 * CredentialMessage, CredentialOfferMessage, CredentialObject, CredentialStatus, IssuerMetadata) and
 * the service types of the DID document (CredentialService, IssuerService). Same mappings as the
 * published document.
 */
export const DCP_CONTEXT_URL = 'https://w3id.org/dspace-dcp/v1.0/dcp.jsonld';

const json = (id: string, extra: Record<string, unknown> = {}) => ({ '@id': id, '@type': '@json', ...extra });
const iri = (id: string) => ({ '@id': id, '@type': '@id' });

export const dcpContext1_0 = {
  '@context': {
    '@version': 1.1,
    '@protected': true,
    dcp: 'https://w3id.org/dspace-dcp/v1.0/',
    cred: 'https://www.w3.org/2018/credentials#',
    xsd: 'http://www.w3.org/2001/XMLSchema#',
    id: '@id',
    type: '@type',
    CredentialContainer: {
      '@id': 'dcp:CredentialContainer',
      '@context': { payload: { '@id': 'dcp:payload', '@type': 'xsd:string' } },
    },
    CredentialMessage: {
      '@id': 'dcp:CredentialMessage',
      '@context': {
        credentials: json('dcp:credentials', { '@container': '@set' }),
        issuerPid: iri('dcp:issuerPid'),
        holderPid: iri('dcp:holderPid'),
        status: iri('dcp:status'),
        rejectionReason: { '@id': 'dcp:rejectionReason' },
      },
    },
    CredentialObject: {
      '@id': 'dcp:CredentialObject',
      '@context': {
        credentialType: { '@id': 'dcp:credentialType' },
        credentialSchema: { '@id': 'dcp:credentialSchema' },
        offerReason: { '@id': 'dcp:offerReason', '@type': 'xsd:string' },
        bindingMethods: { '@id': 'dcp:bindingMethods', '@type': 'xsd:string', '@container': '@set' },
        profile: { '@id': 'dcp:profile', '@type': 'xsd:string' },
        issuancePolicy: json('dcp:issuancePolicy'),
      },
    },
    CredentialOfferMessage: {
      '@id': 'dcp:CredentialOfferMessage',
      '@context': {
        issuer: iri('cred:issuer'),
        credentials: { '@id': 'dcp:credentials', '@container': '@set' },
      },
    },
    CredentialRequestMessage: {
      '@id': 'dcp:CredentialRequestMessage',
      '@context': { holderPid: iri('dcp:holderPid'), credentials: json('dcp:credentials') },
    },
    CredentialService: 'dcp:CredentialService',
    CredentialStatus: {
      '@id': 'dcp:CredentialStatus',
      '@context': {
        holderPid: iri('dcp:holderPid'),
        issuerPid: iri('dcp:issuerPid'),
        status: { '@id': 'dcp:status', '@type': '@vocab' },
        RECEIVED: 'dcp:RECEIVED',
        REJECTED: 'dcp:REJECTED',
        ISSUED: 'dcp:ISSUED',
      },
    },
    IssuerMetadata: {
      '@id': 'dcp:IssuerMetadata',
      '@context': {
        issuer: iri('cred:issuer'),
        credentialsSupported: { '@id': 'dcp:credentialsSupported', '@container': '@set' },
      },
    },
    IssuerService: 'dcp:IssuerService',
    PresentationQueryMessage: {
      '@id': 'dcp:PresentationQueryMessage',
      '@context': {
        presentationDefinition: json('dcp:presentationDefinition'),
        scope: { '@id': 'dcp:scope', '@type': 'xsd:string', '@container': '@set' },
      },
    },
    PresentationResponseMessage: {
      '@id': 'dcp:PresentationResponseMessage',
      '@context': {
        presentation: json('dcp:presentation', { '@container': '@set' }),
        presentationSubmission: json('dcp:presentationSubmission'),
      },
    },
  },
} as const;
