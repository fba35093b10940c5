import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { decodeAnyOf, decodeMessage } from '../../../src/protocol/codec.js';
import { expandOffline } from '../../../src/protocol/jsonld/jsonld.js';
import {
  buildContractOfferMessage,
  buildContractRequestMessage,
  buildDataset,
  DSP_CONTEXT_URL,
  joinUrl,
} from '../../../src/protocol/messages.js';

const offer = {
  '@id': 'urn:uuid:offer-1',
  '@type': 'Offer' as const,
  target: 'urn:uuid:dataset-1',
  permission: [
    { action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] },
  ],
};
const request = buildContractRequestMessage({
  consumerPid: 'urn:uuid:c-1',
  offer,
  callbackAddress: 'https://consumer.example/dsp/',
});

async function failure(p: Promise<unknown>): Promise<ValidationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

describe('decodeMessage', () => {
  it('accepts the compacted form and normalises a string @context to an array', async () => {
    expect(await decodeMessage(request, 'ContractRequestMessage')).toEqual(request);
    const decoded = await decodeMessage(
      { ...request, '@context': DSP_CONTEXT_URL },
      'ContractRequestMessage',
    );
    expect(decoded['@context']).toEqual([DSP_CONTEXT_URL]);
  });

  it('decodes extra contexts, prefixed terms and the expanded form to the same object', async () => {
    const prefixed = {
      '@context': [DSP_CONTEXT_URL, { ex: 'https://example.org/ns#' }],
      '@type': 'dspace:ContractRequestMessage',
      'dspace:consumerPid': { '@id': 'urn:uuid:c-1' },
      'dspace:callbackAddress': 'https://consumer.example/dsp/',
      'ex:note': 'hello',
      'dspace:offer': {
        '@id': 'urn:uuid:offer-1',
        '@type': 'odrl:Offer',
        'odrl:target': { '@id': 'urn:uuid:dataset-1' },
        'odrl:permission': {
          'odrl:action': { '@id': 'odrl:use' },
          'odrl:constraint': {
            'odrl:leftOperand': { '@id': 'purpose' },
            'odrl:operator': { '@id': 'odrl:eq' },
            'odrl:rightOperand': 'research',
          },
        },
      },
    };
    const decoded = await decodeMessage(prefixed, 'ContractRequestMessage');
    const { 'https://example.org/ns#note': note, ...rest } = decoded as Record<string, unknown>;
    expect(note).toBe('hello');
    expect(rest).toEqual(request);
    expect(await decodeMessage(await expandOffline(request), 'ContractRequestMessage')).toEqual(request);
  });

  it('is not confused by jsonld.js caching imported contexts across types (Dataset, then a request)', async () => {
    const dataset = buildDataset({
      id: 'urn:uuid:dataset-1',
      offers: [{ '@id': 'urn:uuid:o', '@type': 'Offer', permission: [{ action: 'use' }] }],
      distributions: [{ format: 'HttpData-PULL', accessService: 'urn:uuid:svc' }],
    });
    expect(await decodeMessage(await expandOffline(dataset), 'Dataset')).toEqual(dataset);
    expect(await decodeMessage(await expandOffline(request), 'ContractRequestMessage')).toEqual(request);
    const offerMsg = buildContractOfferMessage({
      providerPid: 'urn:uuid:p-1',
      consumerPid: 'urn:uuid:c-1',
      offer,
    });
    expect(await decodeMessage(await expandOffline(offerMsg), 'ContractOfferMessage')).toEqual(offerMsg);
  });

  it('decodes a message that also lists the W3C ODRL context', async () => {
    const msg = { ...request, '@context': [DSP_CONTEXT_URL, 'http://www.w3.org/ns/odrl.jsonld'] };
    const decoded = await decodeMessage(msg, 'ContractRequestMessage');
    // With the ODRL context, `purpose` is the ODRL left operand; the DSP profile has no term for it.
    expect(decoded.offer.permission?.[0]?.constraint?.[0]).toMatchObject({ leftOperand: 'odrl:purpose' });
    expect({ ...decoded, offer: { ...decoded.offer, permission: request.offer.permission } }).toEqual(
      request,
    );
  });

  it('repairs a single reason string through JSON-LD (reason is a @set)', async () => {
    const msg = {
      '@context': [DSP_CONTEXT_URL],
      '@type': 'TransferTerminationMessage',
      providerPid: 'urn:uuid:p',
      consumerPid: 'urn:uuid:c',
      reason: 'done',
    };
    expect((await decodeMessage(msg, 'TransferTerminationMessage')).reason).toEqual(['done']);
  });

  it('tolerates extra fields such as a top-level @id and reason objects (as the TCK sends)', async () => {
    const msg = {
      '@context': [DSP_CONTEXT_URL],
      '@id': 'urn:uuid:random',
      '@type': 'ContractNegotiationTerminationMessage',
      providerPid: 'urn:uuid:p',
      consumerPid: 'urn:uuid:c',
      reason: [{ message: 'no' }],
      extension: 1,
    };
    expect(await decodeMessage(msg, 'ContractNegotiationTerminationMessage')).toEqual(msg);
  });

  it('refuses an unknown context with unknown_context naming it', async () => {
    const err = await failure(
      decodeMessage(
        { ...request, '@context': [DSP_CONTEXT_URL, 'https://evil.example/ctx'] },
        'ContractRequestMessage',
      ),
    );
    expect(err.status).toBe(400);
    expect(err.code).toBe('unknown_context');
    expect(err.message).toContain('https://evil.example/ctx');
  });

  it('reports a missing field with its JSON pointer', async () => {
    const { consumerPid: _c, ...noPid } = request;
    const err = await failure(decodeMessage(noPid, 'ContractRequestMessage'));
    expect((err.details as { pointer: string }).pointer).toBe('/consumerPid');
    expect(err.message).toMatch(/\/consumerPid is required/);
  });

  it('reports a nested problem with its JSON pointer', async () => {
    const bad = { ...request, offer: { ...offer, permission: [{ constraint: [] }] } };
    const err = await failure(decodeMessage(bad, 'ContractRequestMessage'));
    expect((err.details as { pointer: string }).pointer).toBe('/offer/permission/0/action');
  });

  it('reports a wrong @type', async () => {
    const err = await failure(decodeMessage(request, 'ContractOfferMessage'));
    expect((err.details as { pointer: string }).pointer).toBe('/@type');
    expect(err.message).toContain('"ContractOfferMessage"');
  });

  it('accepts callback addresses with or without a trailing slash, and refuses a non-URL', async () => {
    for (const cb of ['https://c.example/dsp', 'https://c.example/dsp/', 'http://127.0.0.1:8083/']) {
      await expect(
        decodeMessage({ ...request, callbackAddress: cb }, 'ContractRequestMessage'),
      ).resolves.toBeTruthy();
    }
    const err = await failure(
      decodeMessage({ ...request, callbackAddress: 'not a url' }, 'ContractRequestMessage'),
    );
    expect((err.details as { pointer: string }).pointer).toBe('/callbackAddress');
  });

  it('refuses non-objects and bodies without @context', async () => {
    await failure(decodeMessage('x', 'ContractRequestMessage'));
    const { '@context': _ctx, ...noCtx } = request;
    const err = await failure(decodeMessage(noCtx, 'ContractRequestMessage'));
    expect((err.details as { pointer: string }).pointer).toBe('/@context');
  });
});

describe('decodeAnyOf', () => {
  it('decodes one of the allowed types and refuses others', async () => {
    const msg = await decodeAnyOf(request, ['ContractRequestMessage', 'ContractNegotiationEventMessage']);
    expect(msg['@type']).toBe('ContractRequestMessage');
    await failure(decodeAnyOf(request, ['TransferRequestMessage']));
  });
});

describe('builders', () => {
  it('write exactly one of callbackAddress and providerPid in a ContractRequestMessage', () => {
    expect(request).not.toHaveProperty('providerPid');
    expect(() =>
      buildContractRequestMessage({
        consumerPid: 'c',
        offer,
        providerPid: 'p',
        callbackAddress: 'https://x',
      } as never),
    ).toThrow(ValidationError);
  });

  it('joinUrl ignores trailing slashes on the base and encodes pids', () => {
    expect(joinUrl('https://p.example/dsp/', 'negotiations', 'urn:uuid:1/2')).toBe(
      'https://p.example/dsp/negotiations/urn:uuid:1%2F2',
    );
  });
});
