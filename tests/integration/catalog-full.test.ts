/**
 * The catalogue with the real identity and audit modules: offers that refer to stored policy
 * definitions (through the PolicyService seam; a double holds them here), management changes in the
 * audit log, and DSP callers authenticated by the real identity module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { auditModule } from '../../src/runtime/modules/audit.js';
import { catalogModule } from '../../src/runtime/modules/catalog.js';
import { identityModule } from '../../src/runtime/modules/identity.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { CONTRACT_POLICY, MEMBERS_POLICY, httpAsset, testPolicyModule } from '../helpers/catalog.js';
import { AUDITOR_KEY, management, startTestConnector } from '../helpers/connector.js';

const post = (c: RunningConnector, path: string, body: unknown) =>
  management(c, path, { method: 'POST', body: JSON.stringify(body) });

describe('catalogue in a whole connector', () => {
  let c: RunningConnector;
  beforeAll(async () => {
    c = await startTestConnector(
      {},
      {
        modules: [
          systemModule,
          identityModule,
          testPolicyModule({ 'members-access': MEMBERS_POLICY, contract: CONTRACT_POLICY }),
          auditModule,
          catalogModule,
        ],
      },
    );
  });
  afterAll(async () => c?.stop());

  it('refers offers to stored policy definitions and checks the ids', async () => {
    expect((await post(c, '/v1/assets', httpAsset('stored-1'))).status).toBe(201);
    const ok = await post(c, '/v1/offers', {
      id: 'stored-offer',
      accessPolicyId: 'members-access',
      contractPolicyId: 'contract',
      assetSelector: { assetIds: ['stored-1'] },
    });
    expect(ok.status).toBe(201);
    const bad = await post(c, '/v1/offers', {
      accessPolicyId: 'no-such-policy',
      contractPolicyId: 'contract',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: 'unknown_policy',
      details: { pointer: '/accessPolicyId' },
    });

    const member = {
      did: 'did:web:member.example',
      credentials: [
        {
          types: ['VerifiableCredential', 'MembershipCredential'],
          issuer: 'did:web:authority.example',
          subject: { id: 'did:web:member.example' },
        },
      ],
    };
    const resolved = await c.services.catalog!.resolveOffer({
      offerId: 'stored-offer:stored-1:1',
      datasetId: 'stored-1',
      participant: member,
    });
    expect(resolved).toMatchObject({
      offerDefinitionId: 'stored-offer',
      policy: { '@id': 'stored-offer:stored-1:1', '@type': 'Offer', permission: [{ action: 'use' }] },
    });
    expect(
      await c.services.catalog!.resolveOffer({
        offerId: 'stored-offer:stored-1:1',
        datasetId: 'stored-1',
        participant: { did: 'did:web:outsider.example', credentials: [] },
      }),
    ).toBeUndefined();
  });

  it('writes every management change to the audit log, in the same transaction', async () => {
    await post(c, '/v1/assets', httpAsset('audited-1'));
    await management(c, '/v1/assets/audited-1', {
      method: 'PUT',
      body: JSON.stringify(httpAsset('audited-1')),
    });
    await management(c, '/v1/assets/audited-1', { method: 'DELETE' });
    const res = await management(c, '/v1/audit/entries?type=management.change&limit=1000', {
      key: AUDITOR_KEY,
    });
    expect(res.status).toBe(200);
    const entries = (
      (await res.json()) as { items: { subjects: Record<string, string>; actor: string; content: unknown }[] }
    ).items;
    const forAsset = entries.filter((e) => e.subjects.assetId === 'audited-1');
    expect(forAsset.map((e) => (e.content as { action: string }).action)).toEqual([
      'asset.create',
      'asset.update',
      'asset.delete',
    ]);
    expect(forAsset.every((e) => e.actor === 'apikey:management')).toBe(true);
    // The private data address is not copied into the log.
    expect(JSON.stringify(forAsset)).not.toContain('internal.example');
    expect(entries.some((e) => e.subjects.offerId === 'stored-offer')).toBe(true);
    // A refused change leaves no entry.
    const before = entries.length;
    await post(c, '/v1/assets', httpAsset('audited-1', { dataAddress: { type: 'File', path: '../x' } }));
    const after = (
      (await (
        await management(c, '/v1/audit/entries?type=management.change&limit=1000', { key: AUDITOR_KEY })
      ).json()) as { items: unknown[] }
    ).items;
    expect(after.length).toBe(before);
  });

  it('answers DSP callers without a valid DCP token with a 401 CatalogError', async () => {
    const res = await fetch(c.urls.protocol + '/catalog/request', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer not-a-token' },
      body: JSON.stringify({
        '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
        '@type': 'CatalogRequestMessage',
      }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ '@type': 'CatalogError' });
    const versions = await fetch(c.urls.protocol + '/.well-known/dspace-version');
    expect(versions.status).toBe(200);
  });
});
