/**
 * Crash safety: a provider and a consumer run as real `pontis start` processes on PGlite files; during
 * each negotiation one of them is killed with SIGKILL at a random moment and restarted on the same
 * data directory. Every negotiation still reaches FINALIZED on both sides, with exactly one agreement
 * each, the same on both sides, and no duplicate negotiation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { MANAGEMENT_KEY, management, startTestConnector } from '../helpers/connector.js';
import { json } from '../helpers/negotiation.js';
import { offerFromCatalogue, seedProvider } from '../helpers/negotiation-dataspace.js';
import { generateKeyPair, keyFileContent, loadKeys } from '../../src/identity/keys.js';
import { issueMembership } from '../helpers/membership.js';

const ROOT = join(import.meta.dirname, '../..');
/** Progress for a hung run: PONTIS_CRASH_LOG=file appends each step there. */
const progress = (what: string) => {
  if (process.env.PONTIS_CRASH_LOG)
    appendFileSync(process.env.PONTIS_CRASH_LOG, `${new Date().toISOString()} ${what}\n`);
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A connector as a child process; `restart()` after `kill()` reuses its data directory and ports. */
class Child {
  proc?: ChildProcess;
  log = '';
  readonly handle: RunningConnector;
  private constructor(
    readonly name: string,
    readonly configFile: string,
    readonly ports: { protocol: number; management: number; data: number; ops: number },
  ) {
    this.handle = {
      urls: {
        public: `http://localhost:${ports.protocol}`,
        protocol: `http://127.0.0.1:${ports.protocol}`,
        management: `http://127.0.0.1:${ports.management}`,
      },
    } as unknown as RunningConnector;
  }

  static async create(name: string, trust: unknown): Promise<Child> {
    const dir = mkdtempSync(join(tmpdir(), `pontis-crash-${name}-`));
    const ports = {
      protocol: await freePort(),
      management: await freePort(),
      data: await freePort(),
      ops: await freePort(),
    };
    const config = {
      name,
      dataDir: dir,
      protocol: { port: ports.protocol },
      management: { port: ports.management, apiKey: MANAGEMENT_KEY },
      data: { port: ports.data },
      ops: { port: ports.ops },
      auditor: { apiKey: 'crash-test-auditor-key-0123456789' },
      log: { level: 'warn' },
      identity: trust,
      outbox: { pollMs: 50, retryBaseMs: 100, retryMaxMs: 500 },
    };
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const c = new Child(name, file, ports);
    await c.start();
    return c;
  }

  async start(): Promise<void> {
    this.proc = spawn(process.execPath, [join(ROOT, 'bin/pontis.js'), 'start', '--config', this.configFile], {
      env: { PATH: process.env.PATH ?? '', PONTIS_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.proc.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${this.ports.ops}/readyz`, {
          signal: AbortSignal.timeout(2000),
        });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      if (this.proc.exitCode !== null) throw new Error(`${this.name} exited: ${this.log}`);
      if (Date.now() > until) throw new Error(`${this.name} did not become ready: ${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async kill(): Promise<void> {
    const p = this.proc!;
    if (p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }
}

let issuer: RunningConnector;
let provider: Child;
let consumer: Child;

beforeAll(async () => {
  const key = keyFileContent(await generateKeyPair('Ed25519'));
  const issuerKeys = await loadKeys({ json: key });
  issuer = await startTestConnector({
    name: 'issuer',
    role: 'issuer',
    identity: { key, allowHttpDidWeb: true },
  });
  const trust = {
    allowHttpDidWeb: true,
    trustedIssuers: [{ did: issuer.services.did, types: ['MembershipCredential'] }],
  };
  const step = progress;
  step('issuer up');
  [provider, consumer] = await Promise.all([
    Child.create('provider', trust),
    Child.create('consumer', trust),
  ]);
  step('children up');
  for (const c of [provider, consumer]) {
    const info = await json<{ did: string }>(await management(c.handle, '/v1/info'));
    const credential = await issueMembership({
      issuerDid: issuer.services.did,
      key: issuerKeys.current,
      subject: { id: info.did, memberOf: 'loopback-dataspace', level: 'gold' },
    });
    step(`importing a credential into ${c.name}`);
    const r = await management(c.handle, '/v1/identity/credentials', {
      method: 'POST',
      body: JSON.stringify({ credential }),
    });
    expect(r.status).toBe(201);
  }
  await seedProvider(provider.handle);
  step('seeded');
}, 180_000);

afterAll(async () => {
  await Promise.all([provider?.stop(), consumer?.stop()]);
  await issuer?.stop();
});

async function negotiations(c: Child) {
  const r = await json<{
    items: {
      id: string;
      state: string;
      agreementId: string | null;
      providerPid: string;
      consumerPid: string;
    }[];
  }>(await management(c.handle, '/v1/negotiations?limit=500'));
  return r.items;
}

describe('a connector killed (SIGKILL) during a negotiation and restarted finishes it', () => {
  it('finishes every negotiation exactly once', async () => {
    const providerDid = (await json<{ did: string }>(await management(provider.handle, '/v1/info'))).did;
    const offer = await offerFromCatalogue(
      consumer.handle,
      { address: provider.handle.urls.public, did: providerDid },
      'data-auto',
    );
    const started: string[] = [];
    for (let i = 0; i < 2; i++) {
      const victim = i % 2 === 0 ? provider : consumer;
      const res = await management(consumer.handle, '/v1/negotiations', {
        method: 'POST',
        body: JSON.stringify({
          counterPartyAddress: provider.handle.urls.public,
          counterPartyId: providerDid,
          offer,
        }),
      });
      expect(res.status).toBe(201);
      started.push((await json<{ id: string }>(res)).id);
      // Somewhere in the middle of the exchange (it takes tens of milliseconds).
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60)));
      await victim.kill();
      progress(`killed ${victim.name}`);
      await victim.start();
      progress(`restarted ${victim.name}`);
    }
    const until = Date.now() + 60_000;
    for (;;) {
      const [c, p] = await Promise.all([negotiations(consumer), negotiations(provider)]);
      const done = started.every(
        (id) =>
          c.find((n) => n.id === id)?.state === 'FINALIZED' &&
          p.find((n) => n.consumerPid === id)?.state === 'FINALIZED',
      );
      if (done) {
        expect(p).toHaveLength(started.length); // no negotiation twice
        for (const id of started) {
          const cn = c.find((n) => n.id === id)!;
          const pn = p.find((n) => n.consumerPid === id)!;
          expect(cn.agreementId).toBe(pn.agreementId);
        }
        break;
      }
      if (Date.now() > until) {
        throw new Error(
          `not finished: ${JSON.stringify({ c, p })}\nprovider log: ${provider.log.slice(-3000)}\nconsumer log: ${consumer.log.slice(-3000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const c of [provider, consumer]) {
      const agreements = await json<{ items: { negotiationId: string }[]; total: number }>(
        await management(c.handle, '/v1/agreements?limit=500'),
      );
      expect(agreements.total).toBe(started.length);
      expect(new Set(agreements.items.map((a) => a.negotiationId)).size).toBe(started.length);
    }
  }, 420_000);
});
