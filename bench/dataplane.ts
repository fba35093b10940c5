/**
 * Data plane: (a) throughput of a 1 GiB pull through the data plane (token, state, policy, count,
 * audit, then streaming) beside the same pull straight from the origin and through the bare proxy,
 * the data plane's CPU time per GiB, and its peak RSS growth while it streams; (b) requests per second and p99 of 1 KiB requests with per-request
 * enforcement beside a bare streaming proxy (same process, same source code path, no enforcement): 16 in
 * flight (saturation: rates and CPU per request), then at a fixed rate both sustain (the latency added).
 *
 * Three processes: the origin, the data plane (a connector with the transfer and audit modules and
 * stand-ins for identity/negotiation/catalogue, on in-memory PGlite), and this client.
 *
 *   npm run bench -- dataplane [--gib 1] [--seconds 4] [--concurrency 16]
 *   DATABASE_URL=postgresql://... npm run bench -- dataplane     (the data plane's store on PostgreSQL)
 *
 * Last line: {"bench":"dataplane","pullMiBPerSec":...,"directMiBPerSec":...,"ratio":...,"peakRssGrowthMiB":...,
 *   "barePullMiBPerSec":...,"pullVsBareRatio":...,"bareVsDirectRatio":...,"pullCpuMsPerGiB":...,"barePullCpuMsPerGiB":...,
 *   "enforcedPerSec":...,"barePerSec":...,"rateRatio":...,"enforcedP99Ms":...,"bareP99Ms":...,"addedP99Ms":...,
 *   "enforcedCpuUsPerReq":...,"bareCpuUsPerReq":...,"atRatePerSec":...,"enforcedAtRateP99Ms":...,
 *   "bareAtRateP99Ms":...,"addedAtRateP99Ms":...,"addedAtRateP50Ms":...}
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/store/index.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MiB = 1024 * 1024;

// ---------------- origin ----------------

async function origin() {
  const chunk = Buffer.alloc(MiB, 7);
  const small = Buffer.alloc(1024, 9);
  const server = http.createServer((req, res) => {
    const m = /^\/big\/(\d+)/.exec(req.url ?? '');
    if (m) {
      const total = Number(m[1]) * MiB;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      let left = total / MiB;
      const write = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1024' });
    res.end(small);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
}

// ---------------- data plane ----------------

async function plane(originUrl: string) {
  const { pino } = await import('pino');
  const { loadConfig } = await import('../src/config/index.js');
  const { startConnector } = await import('../src/runtime/connector.js');
  const { auditModule } = await import('../src/runtime/modules/audit.js');
  const { transferModule } = await import('../src/runtime/modules/transfer.js');
  const { migrate, openPglite, openPostgres } = await import('../src/store/index.js');
  const { createApp, finishApp } = await import('../src/http/app.js');
  const { openSource } = await import('../src/transfer/dataplane/sources.js');
  const { sendSource } = await import('../src/http/data/transfer.js');
  const { EdrTokens } = await import('../src/transfer/dataplane/tokens.js');
  const { agreementRecord, membership, newStandIns, standInModule } =
    await import('../tests/helpers/transfer-standins.js');
  const PROVIDER = 'did:web:bench-provider';
  const CONSUMER = 'did:web:bench-consumer';
  const s = newStandIns(PROVIDER);
  const address = { type: 'HttpData' as const, baseUrl: originUrl, proxyPath: true };
  s.dataAddresses.set('asset', address);
  const record = agreementRecord({
    id: 'agr-bench',
    provider: PROVIDER,
    consumer: CONSUMER,
    assetId: 'asset',
    constraints: [
      { leftOperand: 'dateTime', operator: 'lt', rightOperand: '2099-01-01T00:00:00Z' },
      { leftOperand: 'count', operator: 'lteq', rightOperand: 1_000_000_000 },
      { leftOperand: 'pontis:membership', operator: 'eq', rightOperand: true },
    ],
  });
  s.agreements.set('agr-bench', {
    ...record,
    role: 'provider',
  });
  // PGlite by default; DATABASE_URL set: a fresh schema on that PostgreSQL server, dropped on exit.
  const url = process.env.DATABASE_URL;
  const schema = `bench_dataplane_${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pontis-bench-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  let db: Database;
  if (url) {
    const admin = await openPostgres(url, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    db = await openPostgres(url, { schema, max: 10 });
    const drop = () => void admin.exec(`DROP SCHEMA ${schema} CASCADE`).finally(() => process.exit(0));
    process.once('SIGTERM', drop);
  } else {
    // As deployed: files in a data directory, every commit synced (BENCH_PGLITE=nofsync: not synced,
    // memory: in memory, as this bench ran before 2026-12-08).
    const mode = process.env.BENCH_PGLITE ?? 'fsync';
    db = await openPglite(
      mode === 'memory' ? {} : { dataDir: join(dataDir, 'pglite'), fsync: mode !== 'nofsync' },
    );
    process.once('SIGTERM', () => process.exit(0)); // an exit, so that --cpu-prof writes its profile
  }
  await migrate(db);
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      protocol: { port: 0 },
      management: { port: 0, apiKey: 'bench-management-key-0123' },
      auditor: { apiKey: 'bench-auditor-key-0123456' },
      data: { port: 0 },
      ops: { port: 0 },
      log: { level: 'silent' },
    },
  });
  const c = await startConnector(config, {
    database: db,
    modules: [standInModule(s), auditModule, transferModule],
  });
  // Decisions of one batch go to the audit log in one statement: the audit service's appendMany.
  if (!c.services.audit?.appendMany) throw new Error('the audit service offers no appendMany');
  const participant = membership(CONSUMER);
  await db.query(
    `INSERT INTO transfers (id, role, provider_pid, consumer_pid, state, agreement_id, asset_id, format,
       counter_party_did, counter_party_address, participant)
     VALUES ('tp-bench', 'provider', 'tp-bench', 'cp-bench', 'STARTED', 'agr-bench', 'asset', 'HttpData-PULL', $1, 'http://127.0.0.1:9', $2)`,
    [CONSUMER, JSON.stringify(participant)],
  );
  const tokens = new EdrTokens(c.services.identity!, { ttlSeconds: 3600, issuer: PROVIDER });
  const { token } = await tokens.issue({
    transferId: 'tp-bench',
    agreementId: 'agr-bench',
    consumerDid: CONSUMER,
  });

  // The bare proxy: same app stack and source code, no enforcement.
  const log = pino({ level: 'silent' });
  const app = createApp({ listener: 'bare', log, bodyLimitBytes: 1_048_576 });
  app.use('/v1/data', (req, res, next) => {
    void (async () => {
      const src = await openSource(
        address,
        { subPath: req.path.replace(/^\/+/, ''), query: '', method: 'GET' },
        {},
      );
      await sendSource(src, 'GET', res);
    })().catch(next);
  });
  finishApp(app, log);
  const bare = http.createServer(app);
  bare.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  console.log(
    JSON.stringify({
      dataUrl: `${c.urls.data}/v1/data`,
      bareUrl: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/v1/data`,
      token,
    }),
  );
}

// ---------------- client ----------------

function child(
  mode: string,
  ...args: string[]
): Promise<{ proc: ChildProcess; info: Record<string, string> }> {
  const file = fileURLToPath(import.meta.url);
  // BENCH_CHILD_ARGS: Node options for the data plane process (`--cpu-prof`).
  const extra =
    mode === 'plane' && process.env.BENCH_CHILD_ARGS ? process.env.BENCH_CHILD_ARGS.split(' ') : [];
  const proc = spawn(process.execPath, [...extra, '--import', 'tsx', file, mode, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', (line) => resolve({ proc, info: JSON.parse(line) as Record<string, string> }));
    proc.once('exit', (code) => reject(new Error(`${mode} exited with ${code}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** CPU time (user + system) a process has used, in microseconds (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function pull(url: string, headers: Record<string, string>, expected: number, watchPid?: number) {
  let peak = 0;
  const base = watchPid ? rssMiB(watchPid) : 0;
  const timer = watchPid
    ? setInterval(() => (peak = Math.max(peak, rssMiB(watchPid) - base)), 20)
    : undefined;
  const cpu0 = watchPid ? cpuUs(watchPid) : 0;
  const t0 = process.hrtime.bigint();
  const r = await get(url, headers);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (timer) clearInterval(timer);
  if (r.status !== 200 || r.bytes !== expected) throw new Error(`pull ${url}: ${r.status}, ${r.bytes} bytes`);
  const cpuMsPerGiB = watchPid ? (cpuUs(watchPid) - cpu0) / 1000 / (expected / (1024 * MiB)) : NaN;
  return { mibPerSec: expected / MiB / s, peakGrowth: peak, cpuMsPerGiB };
}

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  concurrency: number,
  pid: number,
) {
  const cpu0 = cpuUs(pid);
  const lat: number[] = [];
  const until = Date.now() + seconds * 1000;
  let failures = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const t0 = process.hrtime.bigint();
      const r = await get(url, headers);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 200 || r.bytes !== 1024) failures++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - t0) / 1000;
  if (failures > 0) throw new Error(`${failures} failed requests on ${url}`);
  lat.sort((a, b) => a - b);
  return {
    perSec: lat.length / elapsed,
    p99Ms: lat[Math.floor(lat.length * 0.99)]!,
    p50Ms: lat[Math.floor(lat.length * 0.5)]!,
    cpuUsPerReq: (cpuUs(pid) - cpu0) / lat.length,
  };
}

/**
 * Open loop: requests started at `rate` per second whatever the earlier ones do, for `seconds`. The
 * latency counts from when a request was due, so a client or server that falls behind shows in it.
 */
async function atRate(url: string, headers: Record<string, string>, seconds: number, rate: number) {
  const lat: number[] = [];
  const t0 = performance.now();
  const total = Math.round(seconds * rate);
  let started = 0;
  let failures = 0;
  const running = new Set<Promise<void>>();
  while (started < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    for (; started < due; started++) {
      const dueAt = t0 + (started / rate) * 1000;
      const p = get(url, headers).then((r) => {
        lat.push(performance.now() - dueAt);
        if (r.status !== 200 || r.bytes !== 1024) failures++;
        running.delete(p);
      });
      running.add(p);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(running);
  if (failures > 0) throw new Error(`${failures} failed requests on ${url}`);
  lat.sort((a, b) => a - b);
  return {
    perSec: lat.length / ((performance.now() - t0) / 1000),
    p50Ms: lat[Math.floor(lat.length * 0.5)]!,
    p99Ms: lat[Math.floor(lat.length * 0.99)]!,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function main() {
  const gib = arg('gib', 1);
  const seconds = arg('seconds', 4);
  const concurrency = arg('concurrency', 16);
  const o = await child('origin');
  const p = await child('plane', o.info.url!);
  const auth = { authorization: `Bearer ${p.info.token}` };
  const size = gib * 1024 * MiB;
  try {
    // warm up both paths
    await pull(`${o.info.url}/big/64`, {}, 64 * MiB);
    await pull(`${p.info.dataUrl}/big/64`, auth, 64 * MiB);
    await pull(`${p.info.bareUrl}/big/64`, {}, 64 * MiB);
    for (let i = 0; i < 200; i++) await get(`${p.info.dataUrl}/small`, auth);
    for (let i = 0; i < 200; i++) await get(`${p.info.bareUrl}/small`);

    // The bare proxy pull (same process, same source and streaming code, no enforcement) separates
    // what enforcement costs (enforced vs bare) from what the extra loopback hop costs (bare vs direct).
    const direct: number[] = [];
    const through: Awaited<ReturnType<typeof pull>>[] = [];
    const bareThrough: Awaited<ReturnType<typeof pull>>[] = [];
    let peak = 0;
    for (let i = 0; i < 3; i++) {
      direct.push((await pull(`${o.info.url}/big/${gib * 1024}`, {}, size)).mibPerSec);
      const r = await pull(`${p.info.dataUrl}/big/${gib * 1024}`, auth, size, p.proc.pid);
      through.push(r);
      peak = Math.max(peak, r.peakGrowth);
      const b = await pull(`${p.info.bareUrl}/big/${gib * 1024}`, {}, size, p.proc.pid);
      bareThrough.push(b);
      console.error(
        `pull ${i + 1}: direct ${round(direct[i]!)} MiB/s, data plane ${round(r.mibPerSec)} MiB/s (${round(r.cpuMsPerGiB, 0)} ms CPU/GiB), bare proxy ${round(b.mibPerSec)} MiB/s (${round(b.cpuMsPerGiB, 0)} ms CPU/GiB), RSS +${round(peak)} MiB`,
      );
    }

    const bare: Awaited<ReturnType<typeof load>>[] = [];
    const enforced: Awaited<ReturnType<typeof load>>[] = [];
    for (let i = 0; i < 3; i++) {
      bare.push(await load(`${p.info.bareUrl}/small`, {}, seconds, concurrency, p.proc.pid!));
      enforced.push(await load(`${p.info.dataUrl}/small`, auth, seconds, concurrency, p.proc.pid!));
      console.error(
        `1 KiB round ${i + 1}: bare ${round(bare[i]!.perSec, 0)}/s p99 ${round(bare[i]!.p99Ms)} ms, enforced ${round(enforced[i]!.perSec, 0)}/s p99 ${round(enforced[i]!.p99Ms)} ms`,
      );
    }
    // The same requests at a fixed rate both paths sustain (half the enforced saturation rate, at most
    // BENCH_RATE, default 1000/s): the latency enforcement adds, without the queue that saturation builds.
    const rate = Math.min(
      Number(process.env.BENCH_RATE ?? 1000),
      Math.floor(median(enforced.map((b) => b.perSec)) / 2),
    );
    const bareAtRate: Awaited<ReturnType<typeof atRate>>[] = [];
    const enforcedAtRate: Awaited<ReturnType<typeof atRate>>[] = [];
    for (let i = 0; i < 3; i++) {
      bareAtRate.push(await atRate(`${p.info.bareUrl}/small`, {}, seconds, rate));
      enforcedAtRate.push(await atRate(`${p.info.dataUrl}/small`, auth, seconds, rate));
      console.error(
        `1 KiB at ${rate}/s round ${i + 1}: bare p50 ${round(bareAtRate[i]!.p50Ms)} p99 ${round(bareAtRate[i]!.p99Ms)} ms, enforced p50 ${round(enforcedAtRate[i]!.p50Ms)} p99 ${round(enforcedAtRate[i]!.p99Ms)} ms`,
      );
    }
    const pullMiBPerSec = median(through.map((r) => r.mibPerSec));
    const barePullMiBPerSec = median(bareThrough.map((r) => r.mibPerSec));
    const directMiBPerSec = median(direct);
    const barePerSec = median(bare.map((b) => b.perSec));
    const enforcedPerSec = median(enforced.map((b) => b.perSec));
    const bareP99Ms = median(bare.map((b) => b.p99Ms));
    const enforcedP99Ms = median(enforced.map((b) => b.p99Ms));
    console.log(
      JSON.stringify({
        bench: 'dataplane',
        store: process.env.DATABASE_URL ? 'postgres' : 'pglite',
        pullGiB: gib,
        pullMiBPerSec: round(pullMiBPerSec),
        directMiBPerSec: round(directMiBPerSec),
        ratio: round(pullMiBPerSec / directMiBPerSec, 3),
        peakRssGrowthMiB: round(peak),
        barePullMiBPerSec: round(barePullMiBPerSec),
        // enforcement's share (enforced / bare proxy) and the hop's share (bare proxy / direct)
        pullVsBareRatio: round(pullMiBPerSec / barePullMiBPerSec, 3),
        bareVsDirectRatio: round(barePullMiBPerSec / directMiBPerSec, 3),
        pullCpuMsPerGiB: round(median(through.map((r) => r.cpuMsPerGiB)), 0),
        barePullCpuMsPerGiB: round(median(bareThrough.map((r) => r.cpuMsPerGiB)), 0),
        concurrency,
        enforcedPerSec: round(enforcedPerSec, 0),
        barePerSec: round(barePerSec, 0),
        rateRatio: round(enforcedPerSec / barePerSec, 3),
        enforcedP99Ms: round(enforcedP99Ms, 3),
        bareP99Ms: round(bareP99Ms, 3),
        addedP99Ms: round(enforcedP99Ms - bareP99Ms, 3),
        enforcedP50Ms: round(median(enforced.map((b) => b.p50Ms)), 3),
        bareP50Ms: round(median(bare.map((b) => b.p50Ms)), 3),
        atRatePerSec: rate,
        enforcedAtRateP99Ms: round(median(enforcedAtRate.map((b) => b.p99Ms)), 3),
        bareAtRateP99Ms: round(median(bareAtRate.map((b) => b.p99Ms)), 3),
        addedAtRateP99Ms: round(
          median(enforcedAtRate.map((b) => b.p99Ms)) - median(bareAtRate.map((b) => b.p99Ms)),
          3,
        ),
        addedAtRateP50Ms: round(
          median(enforcedAtRate.map((b) => b.p50Ms)) - median(bareAtRate.map((b) => b.p50Ms)),
          3,
        ),
        // CPU time of the data plane process per request: steadier than rates on a shared machine.
        enforcedCpuUsPerReq: round(median(enforced.map((b) => b.cpuUsPerReq)), 0),
        bareCpuUsPerReq: round(median(bare.map((b) => b.cpuUsPerReq)), 0),
      }),
    );
  } finally {
    o.proc.kill();
    p.proc.kill();
    agent.destroy();
  }
}

const mode = process.argv[2];
if (mode === 'origin') await origin();
else if (mode === 'plane') await plane(process.argv[3]!);
else await main();
