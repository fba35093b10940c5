import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateKeyPair, keyFileContent, loadKeys, rotateKeyFile } from '../../identity/keys.js';
import type { KeyAlgorithm } from '../../identity/keys.js';

/** Key files never go into a repository: refuse a path git would track (inside a work tree and not ignored). */
function assertNotTracked(file: string): void {
  let dir = dirname(file);
  while (!existsSync(dir)) dir = dirname(dir);
  const inside = spawnSync('git', ['-C', dir, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' });
  if (inside.status !== 0 || inside.stdout.trim() !== 'true') return;
  const ignored = spawnSync('git', ['-C', dir, 'check-ignore', '-q', file]);
  if (ignored.status !== 0) {
    console.error(
      `refusing to write a private key to ${file}: it is inside a git working tree and not ignored (keys come from files outside the repository or from the environment)`,
    );
    process.exit(2);
  }
}

function parseAlg(alg: string): KeyAlgorithm {
  if (alg !== 'Ed25519' && alg !== 'P-256') {
    console.error(`--alg must be Ed25519 or P-256, got ${alg}`);
    process.exit(2);
  }
  return alg;
}

function write(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, { mode: 0o600 });
}

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('Signing keys: generate, rotate, show the public part');
  keys
    .command('generate')
    .description('Write a new private JWK (Ed25519 or P-256) to a file (mode 0600); print its public JWK')
    .requiredOption('-o, --out <file>', 'where to write the key (outside the repository)')
    .option('--alg <alg>', 'Ed25519 or P-256', 'Ed25519')
    .option('--force', 'overwrite an existing file')
    .action(async (opts: { out: string; alg: string; force?: boolean }) => {
      const file = resolve(opts.out);
      const alg = parseAlg(opts.alg);
      if (existsSync(file) && !opts.force) {
        console.error(`${file} exists; use --force to overwrite it or "pontis keys rotate" to rotate it`);
        process.exit(2);
      }
      assertNotTracked(file);
      const key = await generateKeyPair(alg);
      write(file, keyFileContent(key));
      console.log(JSON.stringify({ file, kid: key.kid, publicJwk: key.publicJwk }, null, 2));
    });
  keys
    .command('rotate')
    .description(
      'Replace the current key with a new one; the old key stays listed in the DID document until it expires',
    )
    .requiredOption('-f, --file <file>', 'the key file to rotate')
    .option('--alg <alg>', 'Ed25519 or P-256', 'Ed25519')
    .option('--keep-days <days>', 'how long the previous key stays listed', '30')
    .action(async (opts: { file: string; alg: string; keepDays: string }) => {
      const file = resolve(opts.file);
      const days = Number(opts.keepDays);
      if (!Number.isFinite(days) || days < 0) {
        console.error(`--keep-days must be a number of days, got ${opts.keepDays}`);
        process.exit(2);
      }
      assertNotTracked(file);
      const { content, key } = await rotateKeyFile(
        readFileSync(file, 'utf8'),
        parseAlg(opts.alg),
        Math.round(days * 86_400),
      );
      write(file, content);
      console.log(JSON.stringify({ file, kid: key.kid, publicJwk: key.publicJwk }, null, 2));
    });
  keys
    .command('show')
    .description('Print the public JWKs of a key file (current first)')
    .requiredOption('-f, --file <file>', 'the key file')
    .action(async (opts: { file: string }) => {
      const ring = await loadKeys({ file: resolve(opts.file) });
      const out = [ring.current, ...ring.previous].map((k) => ({
        kid: k.kid,
        alg: k.alg,
        publicJwk: k.publicJwk,
        ...(k.expiresAt ? { expiresAt: k.expiresAt.toISOString() } : {}),
      }));
      console.log(JSON.stringify(out, null, 2));
    });
}
