/**
 * Several replicas on one PostgreSQL: two provider processes share one schema (the consumer reaches
 * one of them; both run the outbox). Every negotiation is processed once: FINALIZED with one agreement
 * and exactly one history row per transition. Needs DATABASE_URL (a PostgreSQL server); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { negotiationModule } from '../../src/runtime/modules/negotiation.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { openPostgres } from '../../src/store/index.js';
import { management, startTestConnector } from '../helpers/connector.js';
import { openTestPostgres, postgresUrl } from '../helpers/db.js';
import {
  json,
  negtestCatalog,
  negtestIdentity,
  offerFor,
  requestOffer,
  waitForState,
} from '../helpers/negotiation.js';

describe.skipIf(!postgresUrl)(
  'negotiation with two provider replicas on one PostgreSQL (needs DATABASE_URL)',
  () => {
    const offer = offerFor('asset-replicas');
    let a: RunningConnector;
    let b: RunningConnector;
    let consumer: RunningConnector;
    const fast = { outbox: { pollMs: 20, retryBaseMs: 50, retryMaxMs: 200 } };

    beforeAll(async () => {
      const shared = await openTestPostgres({ max: 5 });
      const schema = (await shared.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
      const modules = [systemModule, negtestIdentity(), negtestCatalog([offer]), negotiationModule];
      // Both replicas answer as the same participant (one DID, one public URL: replica a's).
      a = await startTestConnector({ name: 'provider-a', ...fast }, { modules, database: shared });
      const did = a.services.did;
      b = await startTestConnector(
        { name: 'provider-b', publicUrl: a.urls.public, identity: { did, allowHttpDidWeb: true }, ...fast },
        { modules, database: await openPostgres(postgresUrl!, { schema, max: 5 }) },
      );
      consumer = await startTestConnector(
        { name: 'consumer', ...fast },
        { modules: [systemModule, negtestIdentity(), negtestCatalog([]), negotiationModule] },
      );
    }, 60_000);

    afterAll(async () => {
      await Promise.all([consumer?.stop(), b?.stop()]);
      await a?.stop();
    });

    it('processes each negotiation once', async () => {
      const ids = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const res = await management(consumer, '/v1/negotiations', {
            method: 'POST',
            body: JSON.stringify({
              counterPartyAddress: a.urls.public,
              counterPartyId: a.services.did,
              offer: requestOffer(offer),
            }),
          });
          return (await json<{ id: string }>(res)).id;
        }),
      );
      for (const id of ids) await waitForState(consumer, id, 'FINALIZED', 30_000);
      const counts = await a.db.query<{ n: number; agreements: number }>(
        `SELECT (SELECT count(*)::int FROM negotiation_history) AS n, (SELECT count(*)::int FROM agreements) AS agreements`,
      );
      expect(counts.rows[0]).toEqual({ n: 20 * 4, agreements: 20 });
      const dup = await a.db.query(
        `SELECT negotiation_id, to_state, count(*) FROM negotiation_history GROUP BY 1, 2 HAVING count(*) > 1`,
      );
      expect(dup.rows).toEqual([]);
    }, 60_000);
  },
);
