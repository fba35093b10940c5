import { describe, expect, it } from 'vitest';
import { protocol } from '@electric-sql/pglite';
import { BEGIN, extendedQuery, simpleQuery } from '../../../src/store/frontend-messages.js';

const { serialize } = protocol;

/** The same exchange as PGlite's own serializer writes it. */
function reference(
  begin: boolean,
  name: string | undefined,
  parse: string | undefined,
  values: (string | null)[],
) {
  return Buffer.concat([
    ...(begin ? [serialize.query('BEGIN')] : []),
    ...(parse !== undefined ? [serialize.parse({ name, text: parse })] : []),
    serialize.bind({ statement: name, values }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
}

describe('extendedQuery', () => {
  const cases: [string, boolean, string | undefined, string | undefined, (string | null)[]][] = [
    ['a named statement, parsed, no parameters', false, 'pontis_0', 'SELECT 1', []],
    ['a kept statement: bind only', false, 'pontis_7', undefined, ['a', 'b']],
    ['the unnamed statement', false, undefined, 'SELECT $1::text', ['x']],
    ['NULL and empty parameters', true, 'pontis_1', 'SELECT $1, $2, $3', [null, '', 'z']],
    [
      'multi-byte text in the SQL and the values',
      true,
      'pontis_2',
      "SELECT 'é€😀', $1",
      ['ünïcødé €😀'.repeat(300)],
    ],
    [
      'a large JSON parameter',
      false,
      'pontis_3',
      'SELECT $1::jsonb',
      [JSON.stringify({ a: 'x'.repeat(100_000) })],
    ],
  ];
  for (const [what, begin, name, parse, values] of cases) {
    it(`writes the bytes PGlite's serializer writes: ${what}`, () => {
      const ours = extendedQuery({ begin, name, parse, values });
      expect(ours.equals(reference(begin, name, parse, values))).toBe(true);
    });
  }

  it('takes up to 65,535 parameters, as PostgreSQL does, and refuses more with a clear error', () => {
    const many = extendedQuery({
      begin: false,
      name: 'p',
      parse: undefined,
      values: new Array<string>(40_000).fill('1'),
    });
    // Bind's counts are unsigned: 40,000 parameters, 40,000 formats.
    expect(many.readUInt16BE(1 + 4 + 1 + 2)).toBe(40_000);
    expect(() =>
      extendedQuery({
        begin: false,
        name: 'p',
        parse: undefined,
        values: new Array<string>(65_536).fill('1'),
      }),
    ).toThrow(/at most 65,535 parameters, not 65536/);
  });

  it("writes a simple query as PGlite's serializer does", () => {
    for (const sql of ['COMMIT', '', "SELECT 'é€😀'", 'x'.repeat(70_000)])
      expect(simpleQuery(sql).equals(serialize.query(sql))).toBe(true);
  });

  it('has the simple query BEGIN', () => {
    expect(BEGIN.equals(serialize.query('BEGIN'))).toBe(true);
  });
});
