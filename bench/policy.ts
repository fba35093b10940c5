/**
 * Policy evaluation speed: a typical five-constraint policy (time window, membership, purpose,
 * usage count, EU location) with two duties, against the floor of an empty policy (one
 * unconstrained permission). Warm: compiled once, evaluated many times.
 *
 *   npx tsx bench/policy.ts            (or: npm run bench -- policy)
 *
 * Last line: {"bench":"policy","perSec":...,"p99Us":...,"emptyPerSec":...,"emptyP99Us":...}
 */
import type { CompiledPolicy, EvaluationContext } from '../src/policy/index.js';
import { compilePolicy, evaluate } from '../src/policy/index.js';

const typical = compilePolicy({
  '@context': [
    'https://w3id.org/dspace/2025/1/context.jsonld',
    { pontis: 'https://w3id.org/pontis/policy/' },
  ],
  '@type': 'Agreement',
  '@id': 'urn:uuid:bench-typical',
  target: 'urn:uuid:dataset-1',
  assigner: 'did:web:provider.example',
  assignee: 'did:web:consumer.example',
  permission: [
    {
      action: 'use',
      constraint: [
        {
          leftOperand: 'dateTime',
          operator: 'lt',
          rightOperand: { '@value': '2030-01-01T00:00:00Z', '@type': 'xsd:dateTime' },
        },
        { leftOperand: 'pontis:membership', operator: 'eq', rightOperand: true },
        { leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: ['research', 'education'] },
        { leftOperand: 'count', operator: 'lteq', rightOperand: 1000 },
        { leftOperand: 'spatial', operator: 'isPartOf', rightOperand: 'EEA' },
      ],
      duty: [{ action: 'pontis:log' }],
    },
  ],
});

const empty = compilePolicy({
  '@context': 'https://w3id.org/dspace/2025/1/context.jsonld',
  '@type': 'Set',
  permission: [{ action: 'use' }],
});

const ctx: EvaluationContext = {
  now: new Date('2026-11-22T12:00:00Z'),
  participant: {
    did: 'did:web:consumer.example',
    credentials: [
      {
        types: ['VerifiableCredential', 'MembershipCredential'],
        issuer: 'did:web:authority.example',
        subject: { id: 'did:web:consumer.example', countryCode: 'DE' },
      },
    ],
  },
  agreement: { id: 'urn:uuid:agreement-1', signedAt: new Date('2026-11-01T00:00:00Z') },
  usage: { count: 7 },
  purpose: 'research',
};

function run(policy: CompiledPolicy, ms: number): { perSec: number; p99Us: number } {
  // Warm up, and check the decision is the one we mean to measure.
  for (let i = 0; i < 50_000; i++) evaluate(policy, 'request', ctx);
  if (!evaluate(policy, 'request', ctx).permitted) throw new Error('bench policy must permit');
  // Throughput: batches of evaluations; p99 over the per-evaluation time of each batch of 100.
  const batch = 100;
  const samples: number[] = [];
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let t = start;
  while (t < end) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) evaluate(policy, 'request', ctx);
    t = process.hrtime.bigint();
    samples.push(Number(t - t0) / 1000 / batch);
    n += batch;
  }
  const seconds = Number(t - start) / 1e9;
  samples.sort((a, b) => a - b);
  const p99 = samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!;
  return { perSec: Math.round(n / seconds), p99Us: Math.round(p99 * 1000) / 1000 };
}

// Single-evaluation latency p99 (each call timed alone; includes timer overhead).
function latencyP99(policy: CompiledPolicy, count: number): number {
  const xs = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    evaluate(policy, 'request', ctx);
    xs[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  xs.sort();
  return Math.round(xs[Math.floor(count * 0.99)]! * 1000) / 1000;
}

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const e = run(empty, seconds * 1000);
const t = run(typical, seconds * 1000);
const eLat = latencyP99(empty, 200_000);
const tLat = latencyP99(typical, 200_000);
console.log(
  `empty policy:    ${e.perSec.toLocaleString('en')} decisions/s, p99 ${eLat} µs per decision (${e.p99Us} µs in batches of 100)`,
);
console.log(
  `typical policy:  ${t.perSec.toLocaleString('en')} decisions/s, p99 ${tLat} µs per decision (${t.p99Us} µs in batches of 100; 5 constraints, 1 duty)`,
);
console.log(
  'p99 per decision times each call alone, so it includes the timer (compare with the empty floor).',
);
console.log(`target: >= 200,000 decisions/s warm: ${t.perSec >= 200_000 ? 'met' : 'NOT met'}`);
console.log(
  JSON.stringify({ bench: 'policy', perSec: t.perSec, p99Us: tLat, emptyPerSec: e.perSec, emptyP99Us: eLat }),
);
