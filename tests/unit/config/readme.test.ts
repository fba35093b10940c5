import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference } from '../../../src/config/index.js';

describe('README configuration reference', () => {
  it('is the one generated from the schema (run npm run docs:config when this fails)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const m = /<!-- config:start[^>]*-->\n([\s\S]*?)\n<!-- config:end -->/.exec(readme);
    expect(m, 'README.md has no config markers').not.toBeNull();
    expect(m![1]).toBe(configReference());
  });
});
