#!/usr/bin/env node
// `npm run build` compiles TypeScript to dist/; this copies what tsc does not (SQL migrations, bundled
// JSON-LD contexts and other data files under src/) to the same place under dist/.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
let n = 0;
for (const file of walk(join(root, 'src'))) {
  if (/\.(ts|tsx)$/.test(file)) continue;
  const target = join(root, 'dist', relative(join(root, 'src'), file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
  n++;
}
console.log(`copied ${n} asset files to dist/`);
