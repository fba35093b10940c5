/**
 * Store maintenance on both stores: delivered outbox messages are pruned after their retention
 * (pending and failed ones never), and the embedded store, which has no autovacuum, gets the space of
 * its busy tables back. The runtime's worker runs it on its own.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMaintenance } from '../../src/runtime/maintenance.js';
import { CHURN_TABLES, maintainStore, Outbox, pruneOutbox, type Database } from '../../src/store/index.js';
import { storeKinds } from '../helpers/db.js';

const log = pino({ level: 'silent' });

/** Outbox rows: `n` with this status, done (or failed) `ageMs` ago. */
async function rows(db: Database, status: 'pending' | 'done' | 'failed', n: number, ageMs = 0) {
  await db.query(
    `INSERT INTO outbox (topic, payload, status, deadline_at, done_at)
     SELECT 't', to_jsonb(g), $1, now() + interval '1 hour',
            CASE WHEN $1 = 'pending' THEN NULL ELSE now() - $3 * interval '1 millisecond' END
     FROM generate_series(1, $2) AS g`,
    [status, n, ageMs],
  );
}

const counts = async (db: Database) =>
  Object.fromEntries(
    (
      await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM outbox GROUP BY status',
      )
    ).rows.map((r) => [r.status, r.n]),
  );

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`store maintenance on ${kind.name}`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await kind.open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('deletes delivered messages older than the retention, and only those', async () => {
      await rows(db, 'done', 25, 2 * 3600_000);
      await rows(db, 'done', 3, 60_000);
      await rows(db, 'pending', 4);
      await rows(db, 'failed', 2, 2 * 3600_000);
      // a small limit: the pass goes on until none is left
      expect(await pruneOutbox(db, 3600_000, 10)).toBe(25);
      expect(await counts(db)).toEqual({ done: 3, pending: 4, failed: 2 });
      expect(await pruneOutbox(db, 3600_000)).toBe(0);
    });

    it('vacuums the busy tables on the embedded store only, and they get their space back', async () => {
      await rows(db, 'done', 3000, 2 * 3600_000);
      const size = async () =>
        Number((await db.query<{ n: number }>(`SELECT pg_relation_size('outbox') AS n`)).rows[0]!.n);
      expect(await size()).toBeGreaterThan(0);
      const r = await maintainStore(db, { keepDoneMs: 3600_000 });
      expect(r.outboxDeleted).toBe(3000);
      if (db.kind === 'pglite') {
        expect(r.vacuumed).toEqual(CHURN_TABLES);
        expect(await size()).toBe(0); // emptied pages given back by VACUUM
      } else {
        expect(r.vacuumed).toEqual([]); // the server's autovacuum does it
      }
    });

    it('the runtime worker prunes what the dispatcher delivered', async () => {
      const box = new Outbox(db, {
        owner: 'a',
        pollMs: 20,
        batch: 10,
        leaseMs: 30_000,
        retryBaseMs: 10,
        retryMaxMs: 40,
        deadlineMs: 60_000,
      });
      let delivered = 0;
      box.register('t', { handle: async () => void delivered++ });
      await db.transaction(async (tx) => {
        for (let i = 0; i < 5; i++) await box.enqueue(tx, { topic: 't', payload: i });
      });
      box.start();
      const stop = startMaintenance(db, { everyMs: 50, keepDoneMs: 0, owner: 'a', log });
      try {
        const end = Date.now() + 10_000;
        while (Date.now() < end && !(delivered === 5 && Object.keys(await counts(db)).length === 0)) {
          await new Promise((r) => setTimeout(r, 25));
        }
        expect(delivered).toBe(5);
        expect(await counts(db)).toEqual({});
      } finally {
        await stop();
        await box.stop();
      }
    });
  });
}
