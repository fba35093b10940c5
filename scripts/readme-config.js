#!/usr/bin/env node
// Rewrites the generated references in README.md from the code: the configuration (between the
// config markers) from the schema, and the commands (between the cli markers) from the CLI itself.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pontis = (flag) =>
  execFileSync(process.execPath, [`${root}bin/pontis.js`, 'config', flag], {
    encoding: 'utf8',
    env: { ...process.env, PONTIS_FROM_SOURCE: '1' },
  }).trim();
const readme = readFileSync(`${root}README.md`, 'utf8');
let next = readme;
for (const [marker, flag] of [
  ['config', '--markdown'],
  ['cli', '--cli-markdown'],
]) {
  const re = new RegExp(`(<!-- ${marker}:start[^>]*-->\\n)[\\s\\S]*?(\\n<!-- ${marker}:end -->)`);
  if (!re.test(next)) throw new Error(`README.md has no ${marker} markers`);
  const table = pontis(flag);
  next = next.replace(re, (_m, a, b) => `${a}${table}${b}`);
}
writeFileSync(`${root}README.md`, next);
console.log(next === readme ? 'README references are up to date' : 'README references rewritten');
