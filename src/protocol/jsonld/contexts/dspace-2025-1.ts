/**
 * The Dataspace Protocol 2025-1 JSON-LD context, published as
 * `https://w3id.org/dspace/2025/1/context.jsonld`.
 *
 * Written by us from the DSP 2025-1 specification (errata 1): the term definitions follow
 * "Catalog Protocol" (CatalogRequestMessage, DatasetRequestMessage, CatalogError, DCAT 3 Catalog,
 * Dataset, Distribution, DataService), "Contract Negotiation Protocol" (the negotiation messages,
 * ContractNegotiation, ContractNegotiationError and the negotiation states), "Transfer Process
 * Protocol" (the transfer messages, TransferProcess, TransferError, DataAddress, EndpointProperty
 * and the transfer states), "Common Functionality" (VersionsError) and the DID service entry
 * (CatalogService). It is the published vocabulary, so every mapping (term, IRI, `@type`,
 * `@container`, scoping, `@protected`) has the same meaning as the published document; the unit test
 * `tests/unit/protocol/dsp-context.test.ts` compares the two when `../shared/dsp` is present.
 *
 * Every type carries a type-scoped, protected context: a term such as `code` or `state` only means
 * `dspace:code` / `dspace:state` inside the matching type. Policy-bearing types import the DSP ODRL
 * profile and propagate it to nested nodes (the offer or agreement).
 */
import { DSP_ODRL_PROFILE_URL } from './dspace-odrl-profile-2025-1.js';

export const DSP_CONTEXT_URL = 'https://w3id.org/dspace/2025/1/context.jsonld';

type TermDefinitions = Record<string, unknown>;

/** A type-scoped context: JSON-LD 1.1, protected, with the given terms. */
function scoped(terms: TermDefinitions, importOdrlProfile = false): TermDefinitions {
  return {
    '@version': 1.1,
    '@protected': true,
    ...(importOdrlProfile ? { '@import': DSP_ODRL_PROFILE_URL, '@propagate': true } : {}),
    ...terms,
  };
}

const iriRef = (id: string) => ({ '@type': '@id', '@id': id });
const vocabRef = (id: string) => ({ '@type': '@vocab', '@id': id });
const set = (id: string) => ({ '@id': id, '@container': '@set' });

/** providerPid and consumerPid are IRIs (`@type: @id`) everywhere except in TransferError. */
const pids = { providerPid: iriRef('dspace:providerPid'), consumerPid: iriRef('dspace:consumerPid') };
const codeAndReason = { code: 'dspace:code', reason: set('dspace:reason') };

export const dspContext2025_1 = {
  '@context': {
    '@version': 1.1,
    '@protected': true,
    xsd: 'http://www.w3.org/2001/XMLSchema#',
    dct: 'http://purl.org/dc/terms/',
    dcat: 'http://www.w3.org/ns/dcat#',
    odrl: 'http://www.w3.org/ns/odrl/2/',
    dspace: 'https://w3id.org/dspace/2025/1/',

    // Catalog protocol messages
    DatasetRequestMessage: {
      '@id': 'dspace:DatasetRequestMessage',
      '@context': scoped({ dataset: 'dspace:dataset' }),
    },
    CatalogRequestMessage: {
      '@id': 'dspace:CatalogRequestMessage',
      '@context': scoped({ filter: set('dspace:filter') }),
    },
    CatalogError: { '@id': 'dspace:CatalogError', '@context': scoped({ ...codeAndReason }) },

    // Contract negotiation messages
    ContractRequestMessage: {
      '@id': 'dspace:ContractRequestMessage',
      '@context': scoped(
        { callbackAddress: 'dspace:callbackAddress', ...pids, offer: iriRef('dspace:offer') },
        true,
      ),
    },
    ContractOfferMessage: {
      '@id': 'dspace:ContractOfferMessage',
      '@context': scoped(
        { callbackAddress: 'dspace:callbackAddress', ...pids, offer: iriRef('dspace:offer') },
        true,
      ),
    },
    ContractAgreementMessage: {
      '@id': 'dspace:ContractAgreementMessage',
      '@context': scoped(
        { ...pids, agreement: iriRef('dspace:agreement'), timestamp: 'dspace:timestamp' },
        true,
      ),
    },
    ContractAgreementVerificationMessage: {
      '@id': 'dspace:ContractAgreementVerificationMessage',
      '@context': scoped({ ...pids }),
    },
    ContractNegotiationEventMessage: {
      '@id': 'dspace:ContractNegotiationEventMessage',
      '@context': scoped({ ...pids, eventType: vocabRef('dspace:eventType') }),
    },
    ContractNegotiationTerminationMessage: {
      '@id': 'dspace:ContractNegotiationTerminationMessage',
      '@context': scoped({ ...codeAndReason, ...pids }),
    },
    ContractNegotiation: {
      '@id': 'dspace:ContractNegotiation',
      '@context': scoped({ ...pids, state: vocabRef('dspace:state') }),
    },
    ContractNegotiationError: {
      '@id': 'dspace:ContractNegotiationError',
      '@context': scoped({ ...pids, ...codeAndReason }),
    },

    // Transfer process messages
    TransferRequestMessage: {
      '@id': 'dspace:TransferRequestMessage',
      '@context': scoped({
        callbackAddress: 'dspace:callbackAddress',
        dataAddress: 'dspace:dataAddress',
        consumerPid: iriRef('dspace:consumerPid'),
        format: vocabRef('dct:format'),
        agreementId: iriRef('dspace:agreementId'),
      }),
    },
    TransferStartMessage: {
      '@id': 'dspace:TransferStartMessage',
      '@context': scoped({ ...pids, dataAddress: 'dspace:dataAddress' }),
    },
    TransferCompletionMessage: { '@id': 'dspace:TransferCompletionMessage', '@context': scoped({ ...pids }) },
    TransferTerminationMessage: {
      '@id': 'dspace:TransferTerminationMessage',
      '@context': scoped({ ...codeAndReason, ...pids }),
    },
    TransferSuspensionMessage: {
      '@id': 'dspace:TransferSuspensionMessage',
      '@context': scoped({ ...codeAndReason, ...pids }),
    },
    // The spec maps the pids of TransferError as plain literals, unlike everywhere else; kept as published.
    TransferError: {
      '@id': 'dspace:TransferError',
      '@context': scoped({
        code: 'dspace:code',
        consumerPid: 'dspace:consumerPid',
        providerPid: 'dspace:providerPid',
        reason: set('dspace:reason'),
      }),
    },
    DataAddress: {
      '@id': 'dspace:DataAddress',
      '@context': scoped({
        endpointType: vocabRef('dspace:endpointType'),
        endpointProperties: set('dspace:endpointProperties'),
        endpoint: 'dspace:endpoint',
      }),
    },
    EndpointProperty: {
      '@id': 'dspace:EndpointProperty',
      '@context': scoped({ name: 'dspace:name', value: 'dspace:value' }),
    },
    TransferProcess: {
      '@id': 'dspace:TransferProcess',
      '@context': scoped({ ...pids, state: vocabRef('dspace:state') }),
    },

    // Common
    VersionsError: { '@id': 'dspace:VersionsError', '@context': scoped({ ...codeAndReason }) },

    // DCAT 3 resources as profiled by the catalog protocol
    Catalog: {
      '@id': 'dcat:Catalog',
      '@context': scoped({
        service: set('dcat:service'),
        participantId: iriRef('dspace:participantId'),
        catalog: set('dcat:catalog'),
        dataset: set('dcat:dataset'),
        distribution: set('dcat:distribution'),
      }),
    },
    Dataset: {
      '@id': 'dcat:Dataset',
      '@context': scoped({ distribution: set('dcat:distribution'), hasPolicy: set('odrl:hasPolicy') }, true),
    },
    DataService: {
      '@id': 'dcat:DataService',
      '@context': scoped({
        endpointDescription: 'dcat:endpointDescription',
        endpointURL: 'dcat:endpointURL',
      }),
    },
    Distribution: {
      '@id': 'dcat:Distribution',
      '@context': scoped({ format: vocabRef('dct:format'), accessService: { '@id': 'dcat:accessService' } }),
    },

    // DID document service entry pointing at a catalog (not protected, as published).
    CatalogService: {
      '@id': 'dspace:CatalogService',
      '@context': {
        id: '@id',
        type: '@type',
        serviceEndpoint: { '@id': 'https://www.w3.org/ns/did#serviceEndpoint', '@type': '@id' },
      },
    },

    // Negotiation and transfer states and negotiation event types
    ACCEPTED: 'dspace:ACCEPTED',
    FINALIZED: 'dspace:FINALIZED',
    REQUESTED: 'dspace:REQUESTED',
    STARTED: 'dspace:STARTED',
    COMPLETED: 'dspace:COMPLETED',
    SUSPENDED: 'dspace:SUSPENDED',
    TERMINATED: 'dspace:TERMINATED',
    OFFERED: 'dspace:OFFERED',
    AGREED: 'dspace:AGREED',
    VERIFIED: 'dspace:VERIFIED',
  },
} as const;
