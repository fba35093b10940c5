#!/usr/bin/env node
// Rewrites the configuration reference in README.md (between the config markers) from the schema.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const table = execFileSync(process.execPath, [`${root}bin/pontis.js`, 'config', '--markdown'], {
  encoding: 'utf8',
  env: { ...process.env, PONTIS_FROM_SOURCE: '1' },
}).trim();
const readme = readFileSync(`${root}README.md`, 'utf8');
const next = readme.replace(
  /(<!-- config:start[^>]*-->\n)[\s\S]*?(\n<!-- config:end -->)/,
  (_m, a, b) => `${a}${table}${b}`,
);
writeFileSync(`${root}README.md`, next);
console.log(
  next === readme
    ? 'README configuration reference is up to date'
    : 'README configuration reference rewritten',
);
