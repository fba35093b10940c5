import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliReference } from '../../../src/cli/program.js';
import { configReference } from '../../../src/config/index.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = (marker: string) =>
  new RegExp(`<!-- ${marker}:start[^>]*-->\\n([\\s\\S]*?)\\n<!-- ${marker}:end -->`).exec(readme)?.[1];

// Run `npm run docs:config` when these fail.
describe('README references', () => {
  it('the configuration reference is the one generated from the schema', () => {
    expect(section('config'), 'README.md has no config markers').toBe(configReference());
  });
  it('the command reference is the one generated from the CLI', () => {
    expect(section('cli'), 'README.md has no cli markers').toBe(cliReference());
  });
});
