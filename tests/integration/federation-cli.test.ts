import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDatasets, startFakePeer, type FakePeer } from '../helpers/federation-peer.js';

const BIN = new URL('../../bin/pontis.js', import.meta.url).pathname;

function run(args: string[]) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; output so far:\n${out}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('pontis catalogue crawl --once', () => {
  let peer: FakePeer;
  let dir: string;
  beforeAll(async () => {
    peer = await startFakePeer({ participantId: 'did:web:peer.test', datasets: generateDatasets(1, 3) });
    dir = mkdtempSync(join(tmpdir(), 'pontis-catalogue-cli-'));
  });
  afterAll(() => peer.close());

  const config = (role: string) => {
    const file = join(dir, `${role}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        role,
        dataDir: join(dir, 'data'),
        protocol: { port: 0 },
        management: { port: 0 },
        data: { port: 0 },
        ops: { port: 0 },
        log: { level: 'silent' },
        catalogue: { participants: [{ did: 'did:web:peer.test', address: peer.url }] },
      }),
    );
    return file;
  };

  it('prints one plain line per participant when not on a terminal, and fails when a crawl fails', async () => {
    const r = await run(['catalogue', 'crawl', '--once', '--config', config('catalogue')]);
    expect(r.out).toMatch(/crawling 1 participant\(s\)/);
    // Until identity can verify a participant's credentials, the catalogue trusts nobody (fails closed).
    expect(r.out).toMatch(/\[1\/1\] p-[0-9a-f]+: failed: credentials not trusted/);
    expect(r.out).toMatch(/crawled 0 of 1 participant\(s\), 0 datasets/);
    expect(r.code).toBe(1);
    expect(peer.requests).toHaveLength(0);
  });

  it('refuses without --once or in another role (usage error, exit 2)', async () => {
    expect((await run(['catalogue', 'crawl', '--config', config('catalogue')])).code).toBe(2);
    const other = await run(['catalogue', 'crawl', '--once', '--config', config('connector')]);
    expect(other.code).toBe(2);
    expect(other.out).toMatch(/role is connector/);
  });
});
