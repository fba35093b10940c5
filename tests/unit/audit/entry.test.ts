import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/audit/canonical.js';
import type { AuditEntry } from '../../../src/audit/entry.js';
import {
  canonicalEntry,
  entryLeafHash,
  normaliseContent,
  normaliseSubjects,
  parseAuditEntry,
} from '../../../src/audit/entry.js';
import { toHex } from '../../../src/audit/merkle.js';
import { ValidationError } from '../../../src/errors.js';

const canonicalize = canonicalizeModule as unknown as (v: unknown) => string | undefined;

const entry: AuditEntry = {
  seq: 7,
  time: '2026-01-02T03:04:05.678Z',
  type: 'enforcement.decision',
  actor: 'did:web:consumer.example',
  subjects: { agreementId: 'agr-1', transferId: 'tp-1' },
  content: {
    decision: 'permit',
    rule: 'permission[0]',
    traceDigest: 'ab'.repeat(32),
    n: 1.5,
    list: [1, 'x', null],
  },
};

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function randomJson(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth <= 0 || r < 0.3) {
    const p = rand();
    if (p < 0.2) return null;
    if (p < 0.3) return rand() < 0.5;
    if (p < 0.55) return [0, -0, 1e21, 1e-7, 123.456, -5, 2 ** 53, 0.1 + 0.2, 1 / 3][Math.floor(rand() * 9)];
    const chars = [
      'a',
      'é',
      '\u20ac',
      '\ud83d\ude00',
      '"',
      '\\',
      '\n',
      '\u0001',
      '\u2028',
      'Z',
      '1',
      '\u00fc',
      ' ',
    ];
    let s = '';
    for (let i = Math.floor(rand() * 6); i > 0; i--) s += chars[Math.floor(rand() * chars.length)];
    return s;
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(rand, depth - 1));
  const o: Record<string, unknown> = {};
  const keys = ['b', 'a', 'B', '\u00e9', '\u20ac', '\ud83d\ude00', '10', '2', 'aa', '', 'A_b'];
  for (let i = Math.floor(rand() * 5); i > 0; i--)
    o[keys[Math.floor(rand() * keys.length)]!] = randomJson(rand, depth - 1);
  return o;
}

describe('canonical JSON (RFC 8785)', () => {
  it('matches canonicalize@2 on random JSON values', () => {
    const rand = rng(7);
    for (let i = 0; i < 3000; i++) {
      const v = randomJson(rand, 4);
      expect(canonicalJson(v)).toBe(canonicalize(v));
    }
  });

  it('sorts members by UTF-16 code units and writes numbers as ECMAScript does (RFC 8785 examples)', () => {
    // RFC 8785 section 3.2.3 sorting example, and number serialisation samples from appendix B.
    const sorted = canonicalJson({
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    });
    expect(sorted).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(canonicalJson([1e21, 1e-7, -0, Number('333333333.33333329'), 4.5, 2e-3, 0.000001])).toBe(
      '[1e+21,1e-7,0,333333333.3333333,4.5,0.002,0.000001]',
    );
    expect(() => canonicalJson(NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Infinity })).toThrow(TypeError);
  });
});

describe('audit entries', () => {
  it('the leaf is SHA-256(0x00 || canonical JSON of the whole entry)', () => {
    expect(canonicalEntry(entry)).toBe(
      '{"actor":"did:web:consumer.example","content":{"decision":"permit","list":[1,"x",null],"n":1.5,"rule":"permission[0]","traceDigest":"' +
        'ab'.repeat(32) +
        '"},"seq":7,"subjects":{"agreementId":"agr-1","transferId":"tp-1"},"time":"2026-01-02T03:04:05.678Z","type":"enforcement.decision"}',
    );
    const expected = createHash('sha256')
      .update(Buffer.from([0]))
      .update(canonicalEntry(entry), 'utf8')
      .digest('hex');
    expect(toHex(entryLeafHash(entry))).toBe(expected);
  });

  it('changing any field changes the leaf; member order and extra fields do not', () => {
    const base = toHex(entryLeafHash(entry));
    const variants: AuditEntry[] = [
      { ...entry, seq: 8 },
      { ...entry, time: '2026-01-02T03:04:05.679Z' },
      { ...entry, type: 'agreement' },
      { ...entry, actor: 'did:web:other.example' },
      { ...entry, subjects: { ...entry.subjects, agreementId: 'agr-2' } },
      { ...entry, subjects: { agreementId: 'agr-1' } },
      { ...entry, content: { ...entry.content, decision: 'deny' } },
      { ...entry, content: { ...entry.content, n: 1.50001 } },
      { ...entry, content: { ...entry.content, extra: true } },
    ];
    for (const v of variants) expect(toHex(entryLeafHash(v))).not.toBe(base);
    const reordered = {
      content: entry.content,
      subjects: entry.subjects,
      actor: entry.actor,
      type: entry.type,
      time: entry.time,
      seq: entry.seq,
    };
    expect(toHex(entryLeafHash(reordered))).toBe(base);
    expect(toHex(entryLeafHash({ ...entry, leafHash: 'x' } as AuditEntry))).toBe(base);
  });

  it('normalises content to plain JSON and checks subjects', () => {
    expect(normaliseContent({ at: new Date('2026-01-01T00:00:00Z'), gone: undefined, n: 1 })).toEqual({
      at: '2026-01-01T00:00:00.000Z',
      n: 1,
    });
    expect(() => normaliseContent([1])).toThrow(ValidationError);
    expect(() => normaliseContent('x')).toThrow(ValidationError);
    expect(normaliseSubjects({ agreementId: 'a', transferId: undefined })).toEqual({ agreementId: 'a' });
    expect(normaliseSubjects({ policyId: 'p', transferId: null })).toEqual({ policyId: 'p' });
    expect(normaliseSubjects({ counterParty: 'did:web:x' })).toEqual({
      counterParty: 'did:web:x',
      participant: 'did:web:x',
    });
    expect(() => normaliseSubjects({ 'not a name': 'a' })).toThrow(/not a short identifier/);
    expect(() => normaliseSubjects({ agreementId: 3 })).toThrow(ValidationError);
  });

  it('parses entries read back from an export and names the bad field', () => {
    expect(parseAuditEntry(JSON.parse(JSON.stringify(entry)))).toEqual(entry);
    expect(() => parseAuditEntry({ ...entry, seq: -1 })).toThrow(/seq/);
    expect(() => parseAuditEntry({ ...entry, seq: 1.5 })).toThrow(/seq/);
    expect(() => parseAuditEntry({ ...entry, time: '2026-01-02 03:04:05' })).toThrow(/time/);
    expect(() => parseAuditEntry({ ...entry, type: 'Not A Type' })).toThrow(/type/);
    expect(() => parseAuditEntry({ ...entry, actor: '' })).toThrow(/actor/);
    expect(() => parseAuditEntry({ ...entry, subjects: { agreementId: 1 } })).toThrow(/subject/);
    expect(() => parseAuditEntry({ ...entry, content: [] })).toThrow(/content/);
  });
});
