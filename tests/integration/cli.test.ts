import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/pontis.js', import.meta.url).pathname;

function run(args: string[], env: Record<string, string>, until?: RegExp, timeoutMs = 60_000) {
  return new Promise<{ code: number | null; out: string; signalled: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; output so far:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (until && !signalled && until.test(out)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, signalled });
    });
  });
}

describe('pontis CLI', () => {
  it('stops start-up on a bad value, naming it', async () => {
    const r = await run(['start'], { PONTIS_MANAGEMENT_PORT: 'abc' });
    expect(r.code).toBe(2);
    expect(r.out).toContain('management.port (from PONTIS_MANAGEMENT_PORT) = "abc": expected a number');
  });

  it('starts on the embedded store, prints its four URLs, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pontis-cli-'));
    const r = await run(
      ['start'],
      {
        PONTIS_DATA_DIR: dir,
        PONTIS_PROTOCOL_PORT: '0',
        PONTIS_MANAGEMENT_PORT: '0',
        PONTIS_DATA_PORT: '0',
        PONTIS_OPS_PORT: '0',
        PONTIS_LOG_LEVEL: 'warn',
      },
      /ops\s+http/,
    );
    expect(r.signalled).toBe(true);
    expect(r.code).toBe(0);
    for (const what of ['protocol API', 'management API', 'data plane', 'ops']) expect(r.out).toContain(what);
    expect(r.out).toContain('SIGTERM: stopping');
  }, 90_000);
});
