import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractDataset } from '../../src/catalog/federation/extract.js';
import { federatedCatalogPage } from '../../src/catalog/federation/serve.js';
import { createFederationStore, type FederationStore } from '../../src/catalog/federation/store.js';
import type { DatasetNode } from '../../src/protocol/index.js';
import type { Database } from '../../src/store/index.js';
import { openTestDatabase } from '../helpers/db.js';
import { dspSchemasSkipReason, dspSharedPresent, validateAgainstDsp } from '../helpers/dsp-schemas.js';
import { datasetNode, generateDatasets } from '../helpers/federation-peer.js';
import { encodePageToken } from '../../src/catalog/federation/serve.js';

describe.skipIf(!dspSharedPresent)(
  `the federated DSP catalogue against the official schemas${dspSharedPresent ? '' : ` (skipped: ${dspSchemasSkipReason})`}`,
  () => {
    let db: Database;
    let store: FederationStore;
    beforeAll(async () => {
      db = await openTestDatabase();
      store = createFederationStore(db);
      for (const p of [1, 2]) {
        const did = `did:web:p${p}.test`;
        const { id } = await store.addParticipant({ did });
        const service = { '@id': 'urn:s', '@type': 'DataService', endpointURL: `http://p${p}.test/dsp` };
        const datasets = generateDatasets(p, 4).map((d) => {
          const node = datasetNode(d, 'urn:s') as { distribution: Record<string, unknown>[] };
          node.distribution = node.distribution.map((x) => ({ ...x, accessService: service }));
          return extractDataset(node as unknown as DatasetNode, {
            participant: did,
            dataSpace: 'space',
            endpoint: `http://p${p}.test/dsp`,
          });
        });
        await store.replaceDatasets(id, datasets, { intervalMs: 60_000 });
      }
    });
    afterAll(() => db.close());

    it('every page is a valid Catalog with one nested Catalog per participant', async () => {
      let page: string | undefined;
      const seen: string[] = [];
      for (let i = 0; i < 10; i++) {
        const { catalog, next } = await federatedCatalogPage(store, {
          catalogueDid: 'did:web:catalogue.test',
          catalogueId: 'urn:catalogue',
          pageSize: 3,
          page,
        });
        const r = validateAgainstDsp('Catalog', catalog);
        expect(r.errors).toEqual([]);
        for (const c of catalog.catalog ?? [])
          seen.push(...(c.dataset ?? []).map((d) => `${c.participantId} ${d['@id']}`));
        if (!next) break;
        page = encodePageToken(next);
      }
      expect(seen).toHaveLength(8);
      expect(new Set(seen).size).toBe(8);
    });
  },
);
