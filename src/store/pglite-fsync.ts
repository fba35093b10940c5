/**
 * PGlite's data directory, synced to disk. PGlite starts PostgreSQL with `-F` (fsync off), and
 * Emscripten's NODEFS has no fsync and makes fdatasync a no-op: a commit then survives the process being
 * killed (the kernel holds its writes) but not an OS crash or a power cut, after which the data
 * directory can be inconsistent. Here PostgreSQL keeps fsync on and syncs its WAL with fsync() (the
 * call NODEFS can be given), and NODEFS's fsync is fsync(2).
 *
 * WAL syncs are group-committed: PostgreSQL's request to sync a WAL file is remembered, and one fsync(2)
 * per file serves every commit of an event-loop turn; the store holds each commit's answer until then
 * (`settled`). PostgreSQL's ordering rules hold because the remembered WAL syncs run first whenever
 * anything else is written or synced (a data page only reaches a file after the WAL that covers it)
 * and before a WAL file is closed. A statement can read what another committed in the same turn before
 * it is on disk; nothing is answered or sent on it before then (a message of the outbox leaves after
 * the commit that wrote it is answered, or after a commit of its own that claims it).
 */
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import fs from 'node:fs';
import { join } from 'node:path';

export const SYNCED_START_PARAMS = [
  ...PGlite.defaultStartParams.filter((p) => p !== '-F'),
  '-c',
  'fsync=on',
  '-c',
  'wal_sync_method=fsync',
];

/** The part of Emscripten's NODEFS this needs (PGlite's types leave it untyped). */
interface NodeStream {
  nfd?: number;
  path?: string;
}
type Op<A extends unknown[]> = (stream: NodeStream, ...rest: A) => number;
interface NodeFsOps {
  stream_ops: { fsync?: Op<[]>; write: Op<unknown[]>; close: Op<[]> };
}
interface EmscriptenModule {
  NODEFS: unknown;
  FS: { ErrnoError: new (errno: number) => Error };
}

const EIO = 29; // Emscripten's errno: PostgreSQL stops on it (it never trusts a file whose sync failed)

export class SyncedNodeFS extends NodeFS {
  /** WAL files PostgreSQL asked to sync since the last group sync. */
  private readonly walDue = new Set<number>();
  /** Counts of WAL sync requests and of those synced; a commit waits until `synced` reaches its count. */
  private requested = 0;
  private synced = 0;
  private failure: Error | undefined;
  private waiters: { upTo: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private scheduled = false;
  /** A data directory without a cluster yet: initdb will write one, unsynced. */
  private readonly fresh: boolean;

  constructor(dataDir: string) {
    super(dataDir);
    this.fresh = !fs.existsSync(join(dataDir, 'PG_VERSION'));
  }

  /** Once PostgreSQL runs: syncs the cluster initdb wrote (PostgreSQL syncs only what it writes itself). */
  started(): void {
    if (this.fresh) fsyncTree(this.rootDir);
  }

  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const { emscriptenOpts } = await super.init(...args);
    const hook = (mod: EmscriptenModule) => this.hook(mod);
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [hook, ...(emscriptenOpts.preRun ?? [])] } };
  }

  /** Where the WAL sync requests stand now; pass it to `settled` after a statement's answer. */
  mark(): number {
    return this.requested;
  }

  /** Resolves once every WAL sync requested up to `mark` is on disk (at once if none was asked). */
  settled(mark: number): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (this.synced >= mark) return undefined;
    return new Promise((resolve, reject) => this.waiters.push({ upTo: mark, resolve, reject }));
  }

  private hook(mod: EmscriptenModule): void {
    const ops = (mod.NODEFS as NodeFsOps).stream_ops;
    const { write, close } = ops;
    const guarded = (fn: () => void) => {
      try {
        fn();
      } catch {
        throw new mod.FS.ErrnoError(EIO);
      }
    };
    ops.fsync = (stream) => {
      if (stream.nfd === undefined) return 0;
      if (isWal(stream)) {
        this.walDue.add(stream.nfd);
        this.requested++;
        this.schedule();
      } else {
        guarded(() => {
          this.syncWal();
          fs.fsyncSync(stream.nfd!);
        });
      }
      return 0;
    };
    ops.write = (stream, ...rest) => {
      if (this.walDue.size > 0 && !isWal(stream)) guarded(() => this.syncWal());
      return write(stream, ...rest);
    };
    ops.close = (stream) => {
      if (stream.nfd !== undefined && this.walDue.has(stream.nfd)) guarded(() => this.syncWal());
      return close(stream);
    };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.syncWal();
      } catch {
        // Recorded in `failure` and given to every waiter.
      }
    });
  }

  /** One fsync(2) per WAL file asked for; then the commits waiting on them are answered. */
  private syncWal(): void {
    if (this.failure) throw this.failure;
    const upTo = this.requested;
    try {
      for (const fd of this.walDue) fs.fsyncSync(fd);
    } catch (e) {
      // PostgreSQL believes these commits durable: no later commit can be trusted either.
      this.failure = new Error(`the embedded store could not sync its WAL to disk: ${(e as Error).message}`);
      for (const w of this.waiters.splice(0)) w.reject(this.failure);
      throw this.failure;
    }
    this.walDue.clear();
    this.synced = upTo;
    const ready = this.waiters.filter((w) => w.upTo <= upTo);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.upTo > upTo);
    for (const w of ready) w.resolve();
  }
}

const isWal = (stream: NodeStream) => stream.path !== undefined && stream.path.includes('/pg_wal/');

/** fsync(2) on every file and directory under `dir` (a new cluster: about a thousand files, once). */
function fsyncTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fsyncTree(path);
    else if (entry.isFile()) fsyncPath(path);
  }
  fsyncPath(dir);
}

function fsyncPath(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
