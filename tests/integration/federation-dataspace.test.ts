/**
 * The catalogue role with real connectors: a loopback data space (issuer; provider, consumer and
 * outsider connectors with DCP and membership credentials), a catalogue that crawls them by DID, and
 * a connector that searches the catalogue and negotiates for a result through its management API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../src/errors.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { createFederationModule } from '../../src/runtime/modules/federation.js';
import { identityModule } from '../../src/runtime/modules/identity.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { management, startTestConnector } from '../helpers/connector.js';
import { startDataspace, type Dataspace } from '../helpers/negotiation-dataspace.js';

async function ok<T = Record<string, unknown>>(res: Response | Promise<Response>, what: string): Promise<T> {
  const r = await res;
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

describe('catalogue role with real connectors on loopback', () => {
  let ds: Dataspace;
  let catalogue: RunningConnector;
  let searcher: RunningConnector;

  beforeAll(async () => {
    ds = await startDataspace();
    const outsiderDid = ds.outsider.services.did;
    catalogue = await startTestConnector(
      {
        name: 'catalogue',
        role: 'catalogue',
        identity: ds.trust,
        catalogue: {
          dataSpace: 'loopback',
          crawl: false,
          participants: [
            { did: ds.provider.services.did },
            { did: ds.consumer.services.did },
            { did: outsiderDid },
          ],
        },
      },
      {
        modules: [
          systemModule,
          identityModule,
          // Stand-in for IdentityService.verifyParticipant (not in identity yet): the outsider is not trusted.
          createFederationModule({
            verifyParticipant: async (did) => {
              if (did === outsiderDid) throw new ForbiddenError(`${did} presented no trusted credential`);
            },
          }),
        ],
      },
    );
    searcher = await startTestConnector({
      name: 'searcher',
      identity: ds.trust,
      catalogue: { url: catalogue.urls.protocol, did: catalogue.services.did },
    });
    for (const c of [catalogue, searcher]) {
      await ok(
        management(c, '/v1/identity/credentials', {
          method: 'POST',
          body: JSON.stringify({ credential: await ds.credential(c.services.did) }),
        }),
        `credential of ${c.config.name}`,
      );
    }
  });
  afterAll(async () => {
    await Promise.all([catalogue?.stop(), searcher?.stop()]);
    await ds?.stop();
  });

  it('crawls the connectors it trusts, by DID, with DCP', async () => {
    const status = await ok<{ items: { id: string; did: string }[] }>(
      management(catalogue, '/v1/catalogue/crawl-status'),
      'status',
    );
    const after: Record<string, { state: string; datasetCount: number; lastError: string | null }> = {};
    for (const p of status.items) {
      after[p.did] = await ok(
        management(catalogue, `/v1/catalogue/participants/${p.id}/crawl`, { method: 'POST' }),
        'crawl',
      );
    }
    expect(after[ds.provider.services.did]).toMatchObject({ state: 'ok', datasetCount: 2 });
    expect(after[ds.consumer.services.did]).toMatchObject({ state: 'ok', datasetCount: 0 });
    expect(after[ds.outsider.services.did]).toMatchObject({ state: 'untrusted', datasetCount: 0 });
  });

  it('a connector searches the catalogue and negotiates for a result', async () => {
    const found = await ok<{
      total: number;
      items: {
        datasetId: string;
        participant: string;
        endpoint: string;
        dataSpace: string;
        offers: { id: string; requires: string[] }[];
      }[];
    }>(management(searcher, '/v1/discovery/search?q=dataset&sort=title'), 'search');
    expect(found.total).toBe(2);
    const hit = found.items.find((h) => h.datasetId === 'data-auto')!;
    expect(hit).toMatchObject({ participant: ds.provider.services.did, dataSpace: 'loopback' });
    expect(hit.offers[0]!.requires).toContain('membership');

    const started = await ok<{ id: string; offerId: string }>(
      management(searcher, '/v1/discovery/negotiations', {
        method: 'POST',
        body: JSON.stringify({
          datasetId: hit.datasetId,
          participant: hit.participant,
          endpoint: hit.endpoint,
        }),
      }),
      'negotiate',
    );
    expect(started.offerId).toBe(hit.offers[0]!.id);
    await expect
      .poll(
        async () =>
          (await ok<{ state: string }>(management(searcher, `/v1/negotiations/${started.id}`), 'get')).state,
        { timeout: 20_000, interval: 200 },
      )
      .toBe('FINALIZED');
  });

  it('answers clearly when no catalogue is configured', async () => {
    const r = await management(ds.consumer, '/v1/discovery/search?q=x');
    expect(r.status).toBe(409);
  });
});
