#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` has produced it, the TypeScript sources otherwise,
// so `npm start` works straight after `npm ci`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (existsSync(compiled) && !process.env.PONTIS_FROM_SOURCE) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
