#!/usr/bin/env node
// Generates TypeScript types from openapi/*.yaml with openapi-typescript into src/http/generated/.
// With --check it regenerates in memory and fails when the committed files differ (CI's drift check).
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import prettier from 'prettier';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}src/http/generated/`;
const check = process.argv.includes('--check');
mkdirSync(outDir, { recursive: true });
let drift = 0;
const prettierOptions = { ...(await prettier.resolveConfig(`${root}src/x.ts`)), parser: 'typescript' };
for (const file of readdirSync(`${root}openapi`)
  .filter((f) => f.endsWith('.yaml'))
  .sort()) {
  const name = file.replace(/\.yaml$/, '');
  const ast = await openapiTS(new URL(`../openapi/${file}`, import.meta.url));
  const header = `// Generated from openapi/${file} by \`npm run api:gen\`. Do not edit.\n`;
  const text = await prettier.format(header + astToString(ast), prettierOptions);
  const target = `${outDir}${name}.ts`;
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current === text) continue;
  if (check) {
    console.error(`openapi/${file} and src/http/generated/${name}.ts differ: run npm run api:gen and commit`);
    drift++;
  } else {
    writeFileSync(target, text);
    console.log(`wrote src/http/generated/${name}.ts`);
  }
}
if (drift) process.exit(1);
if (check) console.log('OpenAPI types are up to date');
