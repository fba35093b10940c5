import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import {
  bundledContextUrls,
  offlineDocumentLoader,
  registerContext,
} from '../../../src/protocol/jsonld/document-loader.js';
import { compactOffline, expandOffline } from '../../../src/protocol/jsonld/jsonld.js';

const REQUIRED = [
  'https://w3id.org/dspace/2025/1/context.jsonld',
  'https://w3id.org/dspace/2025/1/odrl-profile.jsonld',
  'https://w3id.org/dspace-dcp/v1.0/dcp.jsonld',
  'http://www.w3.org/ns/odrl.jsonld',
  'https://www.w3.org/2018/credentials/v1',
  'https://www.w3.org/ns/credentials/v2',
  'https://w3id.org/security/data-integrity/v1',
  'https://w3id.org/security/data-integrity/v2',
  'https://w3id.org/security/suites/ed25519-2020/v1',
  'https://w3id.org/security/multikey/v1',
  'https://w3id.org/security/suites/jws-2020/v1',
  'https://w3id.org/vc/status-list/2021/v1',
  'https://www.w3.org/ns/credentials/status/v1',
  'https://www.w3.org/ns/did/v1',
];

describe('offlineDocumentLoader', () => {
  it('bundles every context the project needs', () => {
    expect(bundledContextUrls()).toEqual(expect.arrayContaining(REQUIRED));
  });

  it.each(REQUIRED)('serves %s in the jsonld.js shape', async (url) => {
    const doc = await offlineDocumentLoader(url);
    expect(doc.contextUrl).toBeNull();
    expect(doc.documentUrl).toBe(url);
    expect(doc.document).toHaveProperty('@context');
  });

  it('refuses an unknown URL with unknown_context naming it, without fetching', async () => {
    const err = await offlineDocumentLoader('https://evil.example/ctx.jsonld').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('unknown_context');
    expect((err as ValidationError).status).toBe(400);
    expect((err as ValidationError).message).toContain('https://evil.example/ctx.jsonld');
  });

  it('surfaces an unknown context inside jsonld.expand as unknown_context', async () => {
    const err = await expandOffline({ '@context': 'https://evil.example/x', a: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('unknown_context');
    expect((err as ValidationError).message).toContain('https://evil.example/x');
  });

  it('serves a registered context until it is removed', async () => {
    const url = 'https://example.org/test-context.jsonld';
    const remove = registerContext(url, { '@context': { foo: 'https://example.org/foo' } });
    const expanded = await expandOffline({ '@context': url, foo: 'bar' });
    expect(expanded).toEqual([{ 'https://example.org/foo': [{ '@value': 'bar' }] }]);
    remove();
    await expect(offlineDocumentLoader(url)).rejects.toThrow(/not one this connector knows/);
  });

  it('expands a VC 2.0 credential with a Data Integrity proof using only bundled contexts', async () => {
    const vc = {
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/security/data-integrity/v2'],
      type: ['VerifiableCredential'],
      issuer: 'did:web:issuer.example',
      credentialSubject: { id: 'did:web:holder.example' },
      proof: {
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        proofPurpose: 'assertionMethod',
        verificationMethod: 'did:web:issuer.example#key-1',
        proofValue: 'z123',
      },
    };
    const [node] = await expandOffline(vc);
    expect(node?.['@type']).toEqual(['https://www.w3.org/2018/credentials#VerifiableCredential']);
    expect(JSON.stringify(node)).toContain('https://w3id.org/security#cryptosuiteString');
  });

  it('expands VC 1.1 with Ed25519Signature2020, StatusList2021 and a DID document', async () => {
    const vc = {
      '@context': [
        'https://www.w3.org/2018/credentials/v1',
        'https://w3id.org/security/suites/ed25519-2020/v1',
        'https://w3id.org/vc/status-list/2021/v1',
      ],
      type: ['VerifiableCredential'],
      issuer: 'did:web:issuer.example',
      issuanceDate: '2025-01-01T00:00:00Z',
      credentialStatus: {
        id: 'https://issuer.example/status/1#5',
        type: 'StatusList2021Entry',
        statusPurpose: 'revocation',
        statusListIndex: '5',
        statusListCredential: 'https://issuer.example/status/1',
      },
      credentialSubject: { id: 'did:web:holder.example' },
    };
    const [node] = await expandOffline(vc);
    expect(JSON.stringify(node)).toContain('https://w3id.org/vc/status-list#statusListIndex');
    const did = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: 'did:web:a.example',
      verificationMethod: [
        {
          id: 'did:web:a.example#k',
          type: 'Multikey',
          controller: 'did:web:a.example',
          publicKeyMultibase: 'z6Mk',
        },
      ],
      service: [{ id: '#dsp', type: 'DataService', serviceEndpoint: 'https://a.example/dsp' }],
    };
    const [d] = await expandOffline(did);
    expect(JSON.stringify(d)).toContain('https://w3id.org/security#publicKeyMultibase');
  });

  it('compacts a DCP presentation query round trip', async () => {
    const msg = {
      '@context': ['https://w3id.org/dspace-dcp/v1.0/dcp.jsonld'],
      type: 'PresentationQueryMessage',
      scope: ['org.eclipse.dspace.dcp.vc.type:MembershipCredential:read'],
    };
    const compacted = await compactOffline(
      await expandOffline(msg),
      'https://w3id.org/dspace-dcp/v1.0/dcp.jsonld',
    );
    expect(compacted).toMatchObject({ type: 'PresentationQueryMessage', scope: msg.scope });
  });
});
