import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dspContext2025_1 } from '../../../src/protocol/jsonld/contexts/dspace-2025-1.js';
import { dspOdrlProfile2025_1 } from '../../../src/protocol/jsonld/contexts/dspace-odrl-profile-2025-1.js';
import { dcpContext1_0 } from '../../../src/protocol/jsonld/contexts/dcp-1.0.js';
import { registerContext } from '../../../src/protocol/jsonld/document-loader.js';
import { expandOffline } from '../../../src/protocol/jsonld/jsonld.js';
import { DSP_SHARED_DIR as DSP, SHARED_DIR as SHARED } from '../../helpers/dsp-schemas.js';

const present = existsSync(join(DSP, 'schemas/context/dspace.jsonld'));
if (!present)
  console.warn(
    `skipping DSP context equivalence: ${DSP} is absent (the reference copy lives outside the project)`,
  );

const readJson = (p: string): Record<string, unknown> =>
  JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

/** Every term → definition pair, scoped contexts flattened as `Type/term`. */
function termMap(ctx: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [term, def] of Object.entries(ctx)) {
    if (def !== null && typeof def === 'object' && '@context' in def) {
      const { '@context': inner, ...rest } = def as Record<string, unknown>;
      out.set(prefix + term, rest);
      for (const [k, v] of termMap(inner as Record<string, unknown>, `${prefix}${term}/`)) out.set(k, v);
    } else {
      out.set(prefix + term, def);
    }
  }
  return out;
}

describe.skipIf(!present)('bundled DSP 2025-1 contexts vs the published ones (../shared/dsp)', () => {
  it('the DSP context has the same term definitions', () => {
    const official = readJson(join(DSP, 'schemas/context/dspace.jsonld'))['@context'] as Record<
      string,
      unknown
    >;
    const ours = termMap(dspContext2025_1['@context']);
    const theirs = termMap(official);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [term, def] of theirs) expect(ours.get(term), term).toEqual(def);
  });

  it('the ODRL profile has the same term definitions', () => {
    const official = readJson(join(DSP, 'schemas/context/odrl.jsonld'));
    expect(dspOdrlProfile2025_1).toEqual(official);
  });

  it('the DCP context has the same term definitions', () => {
    const path = join(SHARED, 'dcp/context/dcp.jsonld');
    if (!existsSync(path)) return;
    expect(dcpContext1_0).toEqual(readJson(path));
  });

  it('every official example expands identically with our contexts and the published ones', async () => {
    const files = ['catalog', 'negotiation', 'transfer'].flatMap((area) =>
      readdirSync(join(DSP, 'examples', area)).map((f) => join(DSP, 'examples', area, f)),
    );
    const ours = await Promise.all(files.map((f) => expandOffline(readJson(f))));
    const removeCtx = registerContext(
      'https://w3id.org/dspace/2025/1/context.jsonld',
      readJson(join(DSP, 'schemas/context/dspace.jsonld')),
    );
    const removeProfile = registerContext(
      'https://w3id.org/dspace/2025/1/odrl-profile.jsonld',
      readJson(join(DSP, 'schemas/context/odrl.jsonld')),
    );
    try {
      const theirs = await Promise.all(files.map((f) => expandOffline(readJson(f))));
      files.forEach((f, i) => expect(ours[i], f).toEqual(theirs[i]));
    } finally {
      removeCtx();
      removeProfile();
    }
  });
});
