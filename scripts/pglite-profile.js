#!/usr/bin/env node
// `node scripts/pglite-profile.js FILE.cpuprofile [SKIP_SECONDS] [TOP]`: where a CPU profile's time went
// inside PGlite's PostgreSQL. V8 names WebAssembly frames `wasm-function[N]` only; PGlite's module has no
// name section, but it exports most PostgreSQL functions (for its extensions), so their names come from
// the export section. Prints the busy time's split (PostgreSQL, PGlite's JavaScript, the rest), then the
// named PostgreSQL functions by inclusive time, in percent of the busy time after SKIP_SECONDS (default
// 10: start-up and migrations left out).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [file, skipArg = '10', topArg = '40'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/pglite-profile.js FILE.cpuprofile [SKIP_SECONDS] [TOP]');
  process.exit(2);
}

/** Function index → exported name, from the module's import (2) and export (7) sections. */
function exportedNames() {
  const main = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const b = readFileSync(join(dirname(main), 'pglite.wasm'));
  let o = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    let x;
    do {
      x = b[o++];
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    return r;
  };
  const skipName = () => (o += leb());
  const names = new Map();
  while (o < b.length) {
    const id = b[o++];
    const end = leb() + o;
    const n = id === 2 || id === 7 ? leb() : 0;
    for (let i = 0; i < n; i++) {
      if (id === 2) {
        skipName();
        skipName();
        const kind = b[o++];
        // A function's type index; imported functions come first in the index space.
        if (kind === 0) leb();
        else if (kind === 3)
          o += 2; // global: value type, mutability
        else {
          if (kind === 1) o++; // table: element type, then limits like a memory's
          const limits = b[o++];
          leb();
          if (limits & 1) leb();
        }
      } else {
        const length = leb();
        const name = b.subarray(o, o + length).toString();
        o += length;
        const kind = b[o++];
        const index = leb();
        if (kind === 0) names.set(index, name);
      }
    }
    o = end;
  }
  return names;
}

const names = exportedNames();
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** The PostgreSQL function of a frame; undefined for JavaScript and for functions PGlite does not export. */
const label = (n) => {
  const m = /wasm-function\[(\d+)\]/.exec(n.callFrame.functionName);
  return m ? names.get(Number(m[1])) : undefined;
};

const self = new Map();
let t = 0;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  if (t < Number(skipArg) * 1e6) continue;
  const d = p.timeDeltas[i + 1] ?? 0;
  self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + d);
}
let busy = 0;
const split = { postgres: 0, pgliteJs: 0, other: 0 };
const inclusive = new Map();
for (const [id, d] of self) {
  const frame = byId.get(id).callFrame;
  if (frame.functionName === '(idle)') continue;
  busy += d;
  if (frame.url.startsWith('wasm')) split.postgres += d;
  else if (frame.url.includes('@electric-sql/pglite')) split.pgliteJs += d;
  else split.other += d;
  const seen = new Set();
  for (let cur = id; cur; cur = parent.get(cur)) {
    const name = label(byId.get(cur));
    if (name && !seen.has(name)) {
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + d);
    }
  }
}
const pct = (d) => ((100 * d) / busy).toFixed(1).padStart(5);
console.log(`busy ${Math.round(busy / 1000)} ms after ${skipArg} s`);
for (const [k, d] of Object.entries(split)) console.log(`${pct(d)} ${k}`);
console.log('--- PostgreSQL functions, inclusive');
for (const [k, d] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) {
  console.log(`${pct(d)} ${k}`);
}
