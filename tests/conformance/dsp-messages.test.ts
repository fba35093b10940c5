/**
 * Our DSP 2025-1 builders and decoders against the official schemas and examples in ../shared/dsp.
 * Skips, saying why, when the reference copy is absent (the project runs and tests without it).
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/protocol/codec.js';
import { expandOffline } from '../../src/protocol/jsonld/jsonld.js';
import {
  buildAgreement,
  buildCatalog,
  buildCatalogError,
  buildCatalogNode,
  buildCatalogRequestMessage,
  buildContractAgreementMessage,
  buildContractAgreementVerificationMessage,
  buildContractNegotiation,
  buildContractNegotiationError,
  buildContractNegotiationEventMessage,
  buildContractNegotiationTerminationMessage,
  buildContractOfferMessage,
  buildContractRequestMessage,
  buildDataAddress,
  buildDataService,
  buildDataset,
  buildDatasetNode,
  buildDatasetRequestMessage,
  buildDidServiceEntry,
  DidServiceEntrySchema,
  buildTransferCompletionMessage,
  buildTransferError,
  buildTransferProcess,
  buildTransferRequestMessage,
  buildTransferStartMessage,
  buildTransferSuspensionMessage,
  buildTransferTerminationMessage,
  buildVersionResponse,
  isDspMessageType,
  validateDspMessage,
  VersionResponseSchema,
} from '../../src/protocol/messages.js';
import {
  dspExamples,
  dspSchemasSkipReason,
  dspSharedPresent,
  validateAgainstDsp,
} from '../helpers/dsp-schemas.js';

if (!dspSharedPresent) console.warn(dspSchemasSkipReason);

const pids = { providerPid: 'urn:uuid:p-1', consumerPid: 'urn:uuid:c-1' };
const offer = {
  '@id': 'urn:uuid:offer-1',
  '@type': 'Offer' as const,
  permission: [
    { action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] },
  ],
};
const targeted = { ...offer, target: 'urn:uuid:dataset-1' };
const service = buildDataService({ id: 'urn:uuid:svc-1', endpointURL: 'https://provider.example/dsp' });
const dataset = {
  id: 'urn:uuid:dataset-1',
  offers: [offer],
  distributions: [{ format: 'HttpData-PULL', accessService: service['@id'] }],
  extra: { 'dct:title': 'Weather' },
};
const dataAddress = buildDataAddress({
  endpointType: 'https://w3id.org/idsa/v4.1/HTTP',
  endpoint: 'https://provider.example/public',
  endpointProperties: { authorization: 'token', authType: 'bearer' },
});

const built: [string, unknown][] = [
  ['CatalogRequestMessage', buildCatalogRequestMessage()],
  ['CatalogRequestMessage', buildCatalogRequestMessage({ filter: [] })],
  ['DatasetRequestMessage', buildDatasetRequestMessage({ dataset: 'urn:uuid:dataset-1' })],
  [
    'Catalog',
    buildCatalog({
      id: 'urn:uuid:cat-1',
      participantId: 'did:web:p.example',
      datasets: [buildDatasetNode(dataset)],
      services: [service],
    }),
  ],
  ['Catalog', buildCatalog({ id: 'urn:uuid:cat-0', participantId: 'did:web:p.example' })],
  [
    'Catalog',
    buildCatalog({
      id: 'urn:uuid:root',
      participantId: 'did:web:hub.example',
      catalogs: [
        buildCatalogNode({ id: 'urn:uuid:sub', datasets: [buildDatasetNode(dataset)], services: [service] }),
      ],
    }),
  ],
  ['Dataset', buildDataset(dataset)],
  [
    'Dataset',
    buildDataset({ ...dataset, distributions: [{ format: 'HttpData-PUSH', accessService: service }] }),
  ],
  ['CatalogError', buildCatalogError({ code: 'not_found', reason: ['no such dataset'] })],
  ['CatalogError', buildCatalogError()],
  [
    'ContractRequestMessage',
    buildContractRequestMessage({
      consumerPid: 'urn:uuid:c-1',
      offer: targeted,
      callbackAddress: 'https://consumer.example/dsp/',
    }),
  ],
  ['ContractRequestMessage', buildContractRequestMessage({ ...pids, offer: targeted })],
  [
    'ContractOfferMessage',
    buildContractOfferMessage({
      providerPid: 'urn:uuid:p-1',
      offer: targeted,
      callbackAddress: 'https://provider.example/dsp',
    }),
  ],
  ['ContractOfferMessage', buildContractOfferMessage({ ...pids, offer: targeted })],
  [
    'ContractAgreementMessage',
    buildContractAgreementMessage({
      ...pids,
      agreement: buildAgreement({
        id: 'urn:uuid:agreement-1',
        target: 'urn:uuid:dataset-1',
        assigner: 'did:web:p.example',
        assignee: 'did:web:c.example',
        permission: offer.permission,
      }),
    }),
  ],
  ['ContractAgreementVerificationMessage', buildContractAgreementVerificationMessage(pids)],
  [
    'ContractNegotiationEventMessage',
    buildContractNegotiationEventMessage({ ...pids, eventType: 'ACCEPTED' }),
  ],
  [
    'ContractNegotiationEventMessage',
    buildContractNegotiationEventMessage({ ...pids, eventType: 'FINALIZED' }),
  ],
  [
    'ContractNegotiationTerminationMessage',
    buildContractNegotiationTerminationMessage({ ...pids, code: 'policy', reason: ['no'] }),
  ],
  [
    'ContractNegotiationTerminationMessage',
    buildContractNegotiationTerminationMessage({ ...pids, reason: [] }),
  ],
  ['ContractNegotiation', buildContractNegotiation({ ...pids, state: 'REQUESTED' })],
  ['ContractNegotiation', buildContractNegotiation({ ...pids, state: 'FINALIZED' })],
  [
    'ContractNegotiationError',
    buildContractNegotiationError({ ...pids, code: '400', reason: ['bad state'] }),
  ],
  [
    'TransferRequestMessage',
    buildTransferRequestMessage({
      consumerPid: 'urn:uuid:c-1',
      agreementId: 'urn:uuid:agreement-1',
      format: 'HttpData-PULL',
      callbackAddress: 'https://consumer.example/dsp',
    }),
  ],
  [
    'TransferRequestMessage',
    buildTransferRequestMessage({
      consumerPid: 'urn:uuid:c-1',
      agreementId: 'urn:uuid:agreement-1',
      format: 'HttpData-PUSH',
      callbackAddress: 'https://consumer.example/dsp',
      dataAddress,
    }),
  ],
  ['TransferStartMessage', buildTransferStartMessage({ ...pids, dataAddress })],
  ['TransferStartMessage', buildTransferStartMessage(pids)],
  [
    'TransferSuspensionMessage',
    buildTransferSuspensionMessage({ ...pids, code: 'policy', reason: ['paused'] }),
  ],
  ['TransferCompletionMessage', buildTransferCompletionMessage(pids)],
  ['TransferTerminationMessage', buildTransferTerminationMessage({ ...pids, reason: [{ message: 'done' }] })],
  ['TransferProcess', buildTransferProcess({ ...pids, state: 'STARTED' })],
  ['TransferError', buildTransferError({ ...pids, code: '404' })],
  [
    'VersionResponse',
    buildVersionResponse({ path: '/', identifierType: 'did:web', auth: { protocol: 'DCP', version: '1.0' } }),
  ],
  ['VersionResponse', buildVersionResponse({ path: '/api/dsp' })],
  [
    'common/did-service-schema.json',
    buildDidServiceEntry({
      id: 'did:web:p.example#catalog',
      type: 'CatalogService',
      serviceEndpoint: 'https://p.example/dsp/catalog',
      standalone: true,
    }),
  ],
];

/** Which of our validators an official example is for. */
function typeOf(name: string, json: unknown): string | undefined {
  if (name.endsWith('protocol-version.json')) return 'VersionResponse';
  const t = (json as { '@type'?: unknown })['@type'];
  return isDspMessageType(t) ? t : undefined;
}

describe.skipIf(!dspSharedPresent)('DSP 2025-1 conformance (../shared/dsp)', () => {
  it.each(built.map(([t, m], i) => [`${i}: ${t}`, t, m] as const))(
    'builder output %s validates against the official schema',
    (_n, type, msg) => {
      const res = validateAgainstDsp(type, msg);
      expect(res.errors).toEqual([]);
      // and our own decoder accepts what we send
      if (type === 'VersionResponse') expect(VersionResponseSchema.safeParse(msg).success).toBe(true);
      else if (type.startsWith('common/')) expect(DidServiceEntrySchema.safeParse(msg).success).toBe(true);
      else expect(() => validateDspMessage(type as never, msg)).not.toThrow();
    },
  );

  const examples = dspExamples().filter(([name, json]) => typeOf(name, json) !== undefined);

  it('covers every JSON-LD message type with at least one official example', () => {
    const types = new Set(examples.map(([n, j]) => typeOf(n, j)));
    for (const t of [
      'Catalog',
      'Dataset',
      'ContractRequestMessage',
      'TransferRequestMessage',
      'VersionResponse',
    ]) {
      expect(types.has(t)).toBe(true);
    }
  });

  it.each(examples)('official example %s is accepted by our decoder', async (name, json) => {
    const type = typeOf(name, json)!;
    expect(validateAgainstDsp(type, json).valid).toBe(true);
    if (type === 'VersionResponse') {
      expect(VersionResponseSchema.safeParse(json).success).toBe(true);
      return;
    }
    const decoded = await decodeMessage(json, type as never);
    expect(decoded).toEqual(json);
  });

  it.each(examples.filter(([n]) => !n.startsWith('common/')))(
    'official example %s decodes identically from its expanded form',
    async (name, json) => {
      const type = typeOf(name, json)! as never;
      const fromCompact = await decodeMessage(json, type);
      const expanded = await expandOffline(json);
      const fromExpanded = await decodeMessage(expanded, type);
      expect(fromExpanded).toEqual(fromCompact);
      // and from a single expanded node object (no array, no @context)
      expect(await decodeMessage(expanded[0], type)).toEqual(fromCompact);
    },
  );
});
