/**
 * The embedded store on a data directory syncs what it commits to disk (fsync(2)), so that a commit
 * survives an OS crash or a power cut, not only a killed process. PGlite alone does not: it starts
 * PostgreSQL with fsync off, and Emscripten's file system has no fsync.
 */
import fs, { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openPglite, type Database } from '../../src/store/index.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pontis-fsync-'));
  dirs.push(d);
  return d;
}

/**
 * The files fsync(2) is called on while `fn` runs (paths read from /proc before the call); `onWal` is
 * told of each sync of a WAL file as it happens.
 */
async function syncedDuring(fn: () => Promise<unknown>, onWal?: () => void): Promise<string[]> {
  const real = fs.fsyncSync;
  const paths: string[] = [];
  const spy = vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
    const path = readlinkSync(`/proc/self/fd/${fd}`);
    paths.push(path);
    if (path.includes('/pg_wal/')) onWal?.();
    real(fd);
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return paths;
}

const setting = async (db: Database, name: string) =>
  (await db.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;

/** A store on a new data directory with a table `t (x int)`, closed after `fn`. */
async function withStore(fn: (db: Database, dir: string) => Promise<void>): Promise<void> {
  const dir = newDir();
  const db = await openPglite({ dataDir: dir });
  try {
    await db.exec('CREATE TABLE t (x int)');
    await fn(db, dir);
  } finally {
    await db.close();
  }
}

describe.skipIf(process.platform !== 'linux')('embedded store on a data directory', () => {
  it('syncs the WAL to disk before a commit returns, in a transaction and for a single statement', () =>
    withStore(async (db, dir) => {
      expect(await setting(db, 'fsync')).toBe('on');
      expect(await setting(db, 'wal_sync_method')).toBe('fsync');
      const inTx = await syncedDuring(() =>
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (1)');
          await tx.query('INSERT INTO t VALUES (2)');
        }),
      );
      expect(inTx.filter((p) => p.startsWith(join(dir, 'pg_wal')))).not.toHaveLength(0);
      const single = await syncedDuring(() => db.query('INSERT INTO t VALUES (3)'));
      expect(single.filter((p) => p.startsWith(join(dir, 'pg_wal')))).not.toHaveLength(0);
      // A read commits nothing: nothing to sync.
      expect(await syncedDuring(() => db.query('SELECT count(*) FROM t'))).toEqual([]);
    }));

  it('answers concurrent commits after one shared WAL sync, none before it', () =>
    withStore(async (db) => {
      const events: string[] = [];
      await syncedDuring(
        () =>
          Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              db.query('INSERT INTO t VALUES ($1)', [i]).then(() => void events.push('answer')),
            ),
          ),
        () => events.push('sync'),
      );
      expect(events.filter((e) => e === 'answer')).toHaveLength(20);
      expect(events[0]).toBe('sync');
      expect(events.filter((e) => e === 'sync').length).toBeLessThan(20);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]!.n).toBe(20);
    }));

  it('writes no other file while a WAL write waits for its sync (WAL before data, at a checkpoint)', () =>
    withStore(async (db, dir) => {
      const isWal = (fd: number) => readlinkSync(`/proc/self/fd/${fd}`).startsWith(join(dir, 'pg_wal'));
      const unsynced = new Set<number>();
      const early: string[] = [];
      let dataWrites = 0;
      const realWrite = fs.writeSync;
      const realSync = fs.fsyncSync;
      // writeSync is overloaded: the spy passes whatever it is given through.
      vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, ...rest: never[]) => {
        if (isWal(fd)) unsynced.add(fd);
        else {
          dataWrites++;
          if (unsynced.size > 0) early.push(readlinkSync(`/proc/self/fd/${fd}`));
        }
        return (realWrite as (fd: number, ...r: never[]) => number)(fd, ...rest);
      }) as typeof fs.writeSync);
      vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
        unsynced.delete(fd);
        realSync(fd);
      });
      // The INSERT's WAL sync waits for the end of the turn; the CHECKPOINT, queued behind it in the
      // same turn, writes the data pages.
      await Promise.all([db.query('INSERT INTO t VALUES (1)'), db.query('CHECKPOINT')]);
      expect(dataWrites).toBeGreaterThan(0);
      expect(early).toEqual([]);
    }));

  it('syncs a new cluster once, every file of it, and not again when it is reopened', async () => {
    const dir = newDir();
    let db: Database | undefined;
    const created = await syncedDuring(async () => (db = await openPglite({ dataDir: dir })));
    await db!.close();
    expect(created).toContain(join(dir, 'PG_VERSION'));
    expect(created).toContain(join(dir, 'global', 'pg_control'));
    expect(created).toContain(dir);
    const reopened = await syncedDuring(async () => (db = await openPglite({ dataDir: dir })));
    try {
      expect(reopened).not.toContain(join(dir, 'PG_VERSION'));
      expect(reopened.length).toBeLessThan(created.length / 10);
    } finally {
      await db!.close();
    }
  });

  it('with fsync false commits without syncing (PGlite as it comes)', async () => {
    const db = await openPglite({ dataDir: newDir(), fsync: false });
    try {
      expect(await setting(db, 'fsync')).toBe('off');
      await db.exec('CREATE TABLE t (x int)');
      expect(await syncedDuring(() => db.query('INSERT INTO t VALUES (1)'))).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
