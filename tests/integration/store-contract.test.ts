import { Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMaintenance } from '../../src/runtime/maintenance.js';
import {
  CHURN_TABLES,
  claimLease,
  maintainStore,
  migrate,
  Outbox,
  releaseLease,
  renewLease,
  retryDelayMs,
  type Database,
} from '../../src/store/index.js';
import { storeKinds } from '../helpers/db.js';

const opts = (owner: string, over: Partial<ConstructorParameters<typeof Outbox>[1]> = {}) => ({
  owner,
  pollMs: 20,
  batch: 10,
  leaseMs: 30_000,
  retryBaseMs: 10,
  retryMaxMs: 40,
  deadlineMs: 60_000,
  ...over,
});

const log = pino({ level: 'silent' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean> | boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error('condition not reached in time');
}

/** `n` pending outbox rows. */
async function pendingRows(db: Database, n: number) {
  await db.query(
    `INSERT INTO outbox (topic, payload, deadline_at)
     SELECT 't', to_jsonb(g), now() + interval '1 hour' FROM generate_series(1, $1) AS g`,
    [n],
  );
}

const outboxSize = async (db: Database) =>
  Number((await db.query<{ n: number }>(`SELECT pg_relation_size('outbox') AS n`)).rows[0]!.n);

const counts = async (db: Database) =>
  Object.fromEntries(
    (
      await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM outbox GROUP BY status',
      )
    ).rows.map((r) => [r.status, r.n]),
  );

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`store contract on ${kind.name}`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await kind.open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('applies each migration once and records it', async () => {
      expect(await migrate(db)).toEqual([]);
      const ids = (await db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map(
        (r) => r.id,
      );
      expect(ids[0]).toBe('001_core');
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('rolls a transaction back when it throws, and commits it when it resolves', async () => {
      const box = new Outbox(db, opts('a'));
      await expect(
        db.transaction(async (tx) => {
          await box.enqueue(tx, { topic: 't', payload: 1 });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await db.query('SELECT 1 FROM outbox')).rowCount).toBe(0);
      await db.transaction((tx) => box.enqueue(tx, { topic: 't', payload: 2 }));
      expect((await db.query('SELECT 1 FROM outbox')).rowCount).toBe(1);
    });

    it('two concurrent claimers never get the same message', async () => {
      const a = new Outbox(db, opts('a'));
      const b = new Outbox(db, opts('b'));
      await db.transaction(async (tx) => {
        for (let i = 0; i < 120; i++) await a.enqueue(tx, { topic: 't', payload: i });
      });
      const seen: number[] = [];
      const worker = async (box: Outbox) => {
        for (;;) {
          const got = await box.claim(7);
          if (got.length === 0) return;
          seen.push(...got.map((m) => m.id));
        }
      };
      await Promise.all([worker(a), worker(b), worker(a), worker(b)]);
      expect(seen.length).toBe(120);
      expect(new Set(seen).size).toBe(120);
    });

    it('a message whose lease expired is taken over by another claimer', async () => {
      const a = new Outbox(db, opts('a', { leaseMs: 1000 }));
      const b = new Outbox(db, opts('b'));
      await db.transaction((tx) => a.enqueue(tx, { topic: 't', payload: 'x' }));
      expect(await a.claim(1)).toHaveLength(1);
      expect(await b.claim(1)).toHaveLength(0); // still leased by a
      await sleep(1100);
      const taken = await b.claim(1);
      expect(taken).toHaveLength(1);
      expect(taken[0]!.attempts).toBe(2);
    });

    it('delivers messages, retries failures with backoff, and gives up after the deadline', async () => {
      const box = new Outbox(db, opts('a'));
      const delivered: unknown[] = [];
      let failures = 0;
      const gaveUp: string[] = [];
      let flakyAttempts = 0;
      box.register('ok', { handle: async (p) => void delivered.push(p) });
      box.register('flaky', {
        handle: async (_p, m) => {
          if (++failures < 3) throw new Error('peer down');
          flakyAttempts = m.attempts;
        },
      });
      box.register('dead', {
        handle: async () => {
          throw new Error('never works');
        },
        onGiveUp: async (_p, err) => void gaveUp.push(err),
      });
      const live = box.wakingDatabase();
      box.start();
      await live.transaction(async (tx) => {
        await box.enqueue(tx, { topic: 'ok', payload: { n: 1 } });
        await box.enqueue(tx, { topic: 'flaky', payload: {} });
        await box.enqueue(tx, { topic: 'dead', payload: {}, deadlineMs: 300 });
      });
      await until(async () => {
        const r = await db.query<{ status: string }>("SELECT status FROM outbox WHERE status = 'pending'");
        return r.rowCount === 0;
      });
      await box.stop();
      expect(delivered).toEqual([{ n: 1 }]);
      expect(failures).toBe(3);
      expect(gaveUp).toEqual(['never works']);
      const rows = (
        await db.query<{ topic: string; status: string }>('SELECT topic, status FROM outbox ORDER BY id')
      ).rows;
      // Delivered messages are deleted; the one given up on stays for the operator.
      expect(rows.map((r) => [r.topic, r.status])).toEqual([['dead', 'failed']]);
      expect(flakyAttempts).toBe(3);
    });

    // pollMs of a minute: the queue must move on because each delivery makes the next one due.
    it('delivers messages with the same key in order, one at a time, without waiting for the poll', async () => {
      const box = new Outbox(db, opts('a', { pollMs: 60_000 }));
      const order: number[] = [];
      let active = 0;
      let maxActive = 0;
      box.register('seq', {
        handle: async (p) => {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(5);
          order.push(p as number);
          active--;
        },
      });
      await db.transaction(async (tx) => {
        for (let i = 0; i < 8; i++) await box.enqueue(tx, { topic: 'seq', key: 'n1', payload: i });
      });
      box.start();
      await until(() => order.length === 8);
      await box.stop();
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(maxActive).toBe(1);
    });

    it('a message committed while an earlier one of its key is being delivered follows at once', async () => {
      const box = new Outbox(db, opts('a', { pollMs: 60_000 }));
      const wakingDb = box.wakingDatabase();
      const seen: string[] = [];
      box.register('step', {
        handle: async (p) => {
          seen.push(p as string);
          // The first delivery commits the next message of the same key before it finishes.
          if (p === 'first') {
            await wakingDb.transaction((tx) =>
              box.enqueue(tx, { topic: 'step', key: 'k', payload: 'second' }),
            );
            await sleep(20);
          }
        },
      });
      box.start();
      await wakingDb.transaction((tx) => box.enqueue(tx, { topic: 'step', key: 'k', payload: 'first' }));
      await until(() => seen.length === 2, 5_000);
      await box.stop();
      expect(seen).toEqual(['first', 'second']);
    });

    it('a message claimed as it was written by a dispatcher that then hangs is delivered by another after the lease', async () => {
      const a = new Outbox(db, opts('a', { leaseMs: 1000, pollMs: 60_000 }));
      const b = new Outbox(db, opts('b', { pollMs: 50 }));
      let aGot = 0;
      const bGot: unknown[] = [];
      a.register('t', { handle: () => (aGot++, new Promise<void>(() => {})) });
      b.register('t', { handle: async (p, m) => void bGot.push([p, m.attempts]) });
      a.start();
      await a.wakingDatabase().transaction((tx) => a.enqueue(tx, { topic: 't', key: 'k', payload: 'x' }));
      await until(() => aGot === 1);
      b.start();
      await until(() => bGot.length === 1, 5_000);
      await b.stop();
      expect(bGot).toEqual([['x', 2]]);
      // a's late answer cannot mark it again: it is gone, delivered once by b.
      expect((await db.query(`SELECT 1 FROM outbox`)).rowCount).toBe(0);
    });

    it('named leases: one holder at a time, renewable, taken over after expiry', async () => {
      expect(await claimLease(db, 'job', 'a', 400)).toBe(true);
      expect(await claimLease(db, 'job', 'b', 400)).toBe(false);
      expect(await renewLease(db, 'job', 'a', 400)).toBe(true);
      await sleep(500);
      expect(await claimLease(db, 'job', 'b', 10_000)).toBe(true);
      expect(await renewLease(db, 'job', 'a', 400)).toBe(false);
      await releaseLease(db, 'job', 'b');
      expect(await claimLease(db, 'job', 'a', 400)).toBe(true);
    });

    it('maps parameter and result values the same way on both stores', async () => {
      const at = new Date('2026-11-23T10:00:00.123Z');
      const sql = `SELECT $1::text AS s, $2::int8 AS n, $3::bool AS b, $4::timestamptz AS t, $5::jsonb AS j,
        $6::jsonb AS js, $7::bytea AS bytes, $8::text[] AS texts, 3 = ANY($9::bigint[]) AS has3, $10::text AS none`;
      const params = [
        'a "quoted" \\ text',
        42,
        true,
        at,
        { a: [1, 'x'], b: null },
        '{"raw":true}',
        new Uint8Array([0, 1, 254, 255]),
        ['x', 'with "quote"', 'back\\slash', 'comma,brace}'],
        [1, 2, 3],
        null,
      ];
      // Twice: the second run uses the statement as kept parsed on the connection.
      for (let i = 0; i < 2; i++) {
        const { rows } = await db.query<Record<string, unknown>>(sql, params);
        expect(rows[0]).toEqual({
          s: 'a "quoted" \\ text',
          n: 42,
          b: true,
          t: at,
          j: { a: [1, 'x'], b: null },
          js: { raw: true },
          bytes: expect.any(Uint8Array), // a Buffer on pg: compared by its bytes below
          texts: ['x', 'with "quote"', 'back\\slash', 'comma,brace}'],
          has3: true,
          none: null,
        });
        expect(Buffer.from(rows[0]!.bytes as Uint8Array).toString('hex')).toBe('0001feff');
      }
    });

    it('a statement that fails reports why, and the next statements run', async () => {
      await expect(db.query('SELEC 1')).rejects.toThrow(/syntax error/);
      await expect(db.query('SELEC 1')).rejects.toThrow(/syntax error/); // not "does not exist"
      const cast = 'SELECT $1::int AS n';
      await expect(db.query(cast, ['not a number'])).rejects.toThrow(/invalid input syntax/);
      expect((await db.query(cast, [7])).rows).toEqual([{ n: 7 }]);
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO outbox (topic, payload, deadline_at) VALUES ('t', '1', now())`);
          await tx.query(cast, ['x']);
        }),
      ).rejects.toThrow(/invalid input syntax/);
      expect((await db.query('SELECT 1 FROM outbox')).rowCount).toBe(0);
      expect((await db.query(cast, [8])).rows).toEqual([{ n: 8 }]);
      // First parsed in a transaction that rolls back: still there for the next call.
      const first = 'SELECT $1::int + 100 AS n';
      await expect(
        db.transaction(async (tx) => {
          await tx.query(first, [1]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect((await db.query(first, [2])).rows).toEqual([{ n: 102 }]);
      // The error carries PostgreSQL's fields: code, constraint, detail.
      await db.exec('CREATE TABLE unique_names (name text PRIMARY KEY)');
      await db.query('INSERT INTO unique_names VALUES ($1)', ['a']);
      const dup = await db.query('INSERT INTO unique_names VALUES ($1)', ['a']).catch((e: unknown) => e);
      expect(dup).toBeInstanceOf(Error);
      expect(dup).toMatchObject({
        code: '23505',
        constraint: 'unique_names_pkey',
        detail: expect.stringMatching(/already exists/),
        message: expect.stringMatching(/duplicate key/),
      });
    });

    it('transactions: one that runs nothing, one whose first statement fails, one that starts with a script', async () => {
      expect(await db.transaction(async () => 'nothing ran')).toBe('nothing ran');
      await db.exec('CREATE TABLE tx_edges (n int PRIMARY KEY)');
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO tx_edges VALUES ($1::int)', ['not a number']);
        }),
      ).rejects.toThrow(/invalid input syntax/);
      // Rolled back and closed: the next statements run on their own and commit.
      await db.query('INSERT INTO tx_edges VALUES ($1)', [1]);
      await expect(
        db.transaction(async (tx) => {
          await tx.exec('INSERT INTO tx_edges VALUES (2); INSERT INTO tx_edges VALUES (3)');
          await tx.query('INSERT INTO tx_edges VALUES ($1)', [1]); // duplicate: the whole transaction goes
        }),
      ).rejects.toThrow(/duplicate key/);
      await db.transaction(async (tx) => {
        await tx.exec('INSERT INTO tx_edges VALUES (4)');
        await tx.query('INSERT INTO tx_edges VALUES ($1)', [5]);
      });
      const r = await db.query<{ n: number }>('SELECT n FROM tx_edges ORDER BY n');
      expect(r.rows.map((x) => x.n)).toEqual([1, 4, 5]);
    });

    it('transactions: statements left in flight commit with it, or roll it all back when one fails', async () => {
      await db.exec('CREATE TABLE tx_flight (n int PRIMARY KEY)');
      // Issued and not awaited: they go with the COMMIT, and are done when the transaction resolves.
      await db.transaction(async (tx) => {
        void tx.query('INSERT INTO tx_flight VALUES ($1)', [1]);
        void tx.query('INSERT INTO tx_flight VALUES ($1)', [2]);
      });
      // One of them fails after fn resolved: nothing of the transaction stays, and it rejects with
      // that statement's error (not the "transaction is aborted" of those after it).
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO tx_flight VALUES ($1)', [3]);
          void tx.query('INSERT INTO tx_flight VALUES ($1)', [1]);
          void tx.query('INSERT INTO tx_flight VALUES ($1)', [4]);
        }),
      ).rejects.toThrow(/duplicate key/);
      // The optimistic check the negotiation manager writes with: an error raised by the statement.
      await expect(
        db.transaction(async (tx) => {
          void tx.query('INSERT INTO tx_flight VALUES ($1)', [5]);
          void tx.query('SELECT pontis_stale($1)', ['changed meanwhile']);
        }),
      ).rejects.toMatchObject({ code: 'PS001', message: 'changed meanwhile' });
      // A statement issued after the transaction ended would run outside it: refused.
      let late: Promise<unknown> | undefined;
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_flight VALUES ($1)', [6]);
        setImmediate(() => (late = tx.query('INSERT INTO tx_flight VALUES ($1)', [7]).catch((e) => e)));
      });
      await new Promise((r) => setImmediate(r));
      expect(await late).toMatchObject({ message: 'a statement was issued after its transaction ended' });
      const r = await db.query<{ n: number }>('SELECT n FROM tx_flight ORDER BY n');
      expect(r.rows.map((x) => x.n)).toEqual([1, 2, 6]);
    });
    it('maintenance vacuums the busy tables on the embedded store only, and they get their space back', async () => {
      await pendingRows(db, 3000);
      await db.query('DELETE FROM outbox'); // as if delivered
      expect(await outboxSize(db)).toBeGreaterThan(0);
      const r = await maintainStore(db);
      if (db.kind === 'pglite') {
        expect(r.vacuumed).toEqual(CHURN_TABLES);
        expect(await outboxSize(db)).toBe(0); // emptied pages given back by VACUUM
      } else {
        expect(r.vacuumed).toEqual([]); // the server's autovacuum does it
      }
    });

    it('the maintenance worker runs its pass under a lease, and the space of delivered messages comes back', async () => {
      const box = new Outbox(db, opts('a'));
      let delivered = 0;
      box.register('t', { handle: async () => void delivered++ });
      await db.transaction(async (tx) => {
        for (let i = 0; i < 500; i++) await box.enqueue(tx, { topic: 't', payload: 'x'.repeat(100) });
      });
      box.start();
      await until(() => delivered === 500);
      await box.stop();
      expect(await counts(db)).toEqual({}); // nothing left to prune
      expect(await outboxSize(db)).toBeGreaterThan(0);
      const stop = startMaintenance(db, { everyMs: 50, owner: 'a', log });
      try {
        await until(
          async () =>
            (await db.query(`SELECT 1 FROM leases WHERE name = 'store.maintenance' AND owner = 'a'`))
              .rowCount === 1 &&
            (db.kind !== 'pglite' || (await outboxSize(db)) === 0),
        );
      } finally {
        await stop();
      }
    });

    it('returns large results whole: many rows, long and multi-byte values', async () => {
      const r = await db.query<{ i: number; s: string }>(
        `SELECT i, repeat('é€' || i::text, 300) AS s FROM generate_series(1, 3000) AS i`,
      );
      expect(r.rowCount).toBe(3000);
      expect(r.rows[2999]).toEqual({ i: 3000, s: 'é€3000'.repeat(300) });
      expect(
        r.rows.every((row, k) => row.i === k + 1 && row.s.length === (2 + String(k + 1).length) * 300),
      ).toBe(true);
    });

    it('a kept statement whose table changed under it runs again (another replica migrated)', async () => {
      await db.exec('CREATE TABLE changing (id int)');
      await db.query('INSERT INTO changing VALUES ($1)', [1]);
      const all = 'SELECT * FROM changing WHERE id = $1';
      expect((await db.query(all, [1])).rows).toEqual([{ id: 1 }]);
      await db.exec(`ALTER TABLE changing ADD COLUMN note text DEFAULT 'n'`);
      expect((await db.query(all, [1])).rows).toEqual([{ id: 1, note: 'n' }]);
      expect((await db.query(all, [1])).rows).toEqual([{ id: 1, note: 'n' }]);
    });
  });
}

describe.skipIf(!process.env.DATABASE_URL)('migrations on PostgreSQL', () => {
  it('two replicas migrating at once do not race', async () => {
    const { openTestPostgres } = await import('../helpers/db.js');
    const db = await openTestPostgres({ max: 4, migrate: false });
    try {
      const results = await Promise.all([migrate(db), migrate(db), migrate(db)]);
      // Every migration applied exactly once, by whichever replica got the lock first.
      const all = results.flat();
      expect(all).toContain('001_core');
      expect(new Set(all).size).toBe(all.length);
      expect(results.filter((r) => r.length > 0)).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('the PostgreSQL adapter', () => {
  it("sends a transaction's statements issued together in one write to the server", async () => {
    const { openTestPostgres } = await import('../helpers/db.js');
    const db = await openTestPostgres({ max: 1 });
    const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
    const original = { _write: proto._write, _writev: proto._writev };
    let writes = 0;
    try {
      await db.query('CREATE TABLE w (n int)');
      for (const k of ['_write', '_writev'] as const)
        proto[k] = function (this: unknown, ...a: unknown[]) {
          writes += 1;
          return original[k].apply(this, a);
        };
      // BEGIN, three statements left in flight and the COMMIT: one write (five without coalescing).
      await db.transaction(async (tx) => {
        for (const n of [1, 2, 3]) void tx.query('INSERT INTO w (n) VALUES ($1)', [n]);
      });
      expect(writes).toBe(1);
      Object.assign(proto, original);
      expect((await db.query('SELECT count(*)::int AS n FROM w')).rows).toEqual([{ n: 3 }]);
    } finally {
      Object.assign(proto, original);
      await db.close();
    }
  });
});

describe('retry delays', () => {
  it('grow exponentially with jitter and stay under the cap', () => {
    expect(retryDelayMs(1, 100, 10_000, () => 0)).toBe(50);
    expect(retryDelayMs(1, 100, 10_000, () => 1)).toBe(100);
    expect(retryDelayMs(4, 100, 10_000, () => 1)).toBe(800);
    expect(retryDelayMs(30, 100, 10_000, () => 1)).toBe(10_000);
  });
});
