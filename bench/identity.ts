/**
 * Identity verification speed, warm (DID documents and keys cached), in one process, no network:
 * - JWT VP: a VC-JOSE presentation (vp+jwt) of one VC-JOSE MembershipCredential, every check
 *   (signatures, issuer key, validity, holder binding, trusted issuer, audience);
 * - Data Integrity VP: the same with eddsa-rdfc-2022 on presentation and credential;
 * - DCP warm: a full incoming DSP request check (self-issued token: Bearer, iss = sub, aud, kid
 *   under capabilityInvocation, signature, exp/nbf, fresh jti) with the verified claims cached;
 * - floor: one raw Ed25519 signature verification (node:crypto).
 *
 *   npm run bench -- identity
 *
 * Last line: {"bench":"identity","jwtVpP50Ms":...,"jwtVpP95Ms":...,"jwtVpCpuP95Ms":...,"diVp…","dcpWarm…",
 *   "ed25519Verify…" (the floor), "loadAverage":...}: wall-clock p50/p95 and CPU-time p95 of each.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { loadavg } from 'node:os';
import {
  PONTIS_CREDENTIALS_CONTEXT,
  buildDidDocument,
  createCredentialVerifier,
  createDcpVerifier,
  createDidResolver,
  createMemoryJtiStore,
  createSelfIssuedToken,
  didWebToUrl,
  generateKeyPair,
  issueCredential,
  issuePresentation,
  keyRingFrom,
  typeScope,
} from '../src/identity/index.js';
import type { FetchJson, KeyAlgorithm, KeyRing } from '../src/identity/index.js';

const served = new Map<string, unknown>();
const fetchJson: FetchJson = async (url) => {
  if (!served.has(url)) throw new Error(`404 ${url}`);
  return served.get(url);
};
const resolver = createDidResolver({ fetchJson, ttlMs: 3_600_000 });

async function party(name: string, alg: KeyAlgorithm): Promise<{ did: string; keys: KeyRing }> {
  const did = `did:web:${name}.example`;
  const keys = await keyRingFrom(await generateKeyPair(alg));
  served.set(
    didWebToUrl(did).toString(),
    buildDidDocument({ did, keys, credentialServiceUrl: `https://${name}.example/cs` }),
  );
  return { did, keys };
}

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(4));
  return { p50: at(0.5), p95: at(0.95) };
}

/**
 * Wall-clock percentiles, and CPU-time percentiles beside them: on a shared machine (load average
 * above the core count) a 0.2 ms operation is preempted in a few percent of samples, which moves the
 * wall-clock p95 to the scheduler's time slice; the CPU time of the process is what the code costs.
 */
async function measure(
  label: string,
  n: number,
  warmup: number,
  fn: (i: number) => Promise<unknown> | unknown,
) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn(warmup + i);
    samples.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  const p = percentiles(samples);
  const c = percentiles(cpu);
  console.log(
    `${label}: wall p50 ${p.p50} ms, p95 ${p.p95} ms; CPU p50 ${c.p50} ms, p95 ${c.p95} ms (n=${n})`,
  );
  return { ...p, cpuP50: c.p50, cpuP95: c.p95 };
}

const authority = await party('authority', 'Ed25519');
const holder = await party('holder', 'Ed25519');
const verifierParty = await party('verifier', 'Ed25519');
const now = Date.now();
const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2', PONTIS_CREDENTIALS_CONTEXT],
  id: 'urn:uuid:bench-membership',
  type: ['VerifiableCredential', 'MembershipCredential'],
  issuer: authority.did,
  validFrom: new Date(now - 86_400_000).toISOString(),
  validUntil: new Date(now + 86_400_000).toISOString(),
  credentialSubject: { id: holder.did, memberOf: 'bench-dataspace' },
};
const verifier = createCredentialVerifier({
  resolver,
  trustedIssuers: { MembershipCredential: [authority.did] },
});

const jwtVc = await issueCredential({
  credential,
  format: 'vc-jose',
  issuerDid: authority.did,
  key: authority.keys.current,
});
const jwtVp = await issuePresentation({
  holderDid: holder.did,
  key: holder.keys.current,
  credentials: [jwtVc],
  audience: verifierParty.did,
  ttlSeconds: 300,
});
const diVc = await issueCredential({
  credential,
  format: 'data-integrity',
  issuerDid: authority.did,
  key: authority.keys.current,
});
const diVp = await issuePresentation({
  holderDid: holder.did,
  key: holder.keys.current,
  credentials: [diVc as Record<string, unknown>],
  audience: verifierParty.did,
  format: 'data-integrity',
});

const check = async (p: unknown) => {
  const r = await verifier.verifyPresentation(p, { audience: verifierParty.did });
  if (!r.verified) throw new Error(`bench input does not verify: ${JSON.stringify(r.errors)}`);
};
const jwt = await measure('JWT VP verify', 3000, 300, () => check(jwtVp));
const di = await measure('Data Integrity VP verify', 400, 50, () => check(diVp));

// DCP: the holder's credential service answers in-process; after the first request the claims are cached.
const dcp = createDcpVerifier({
  ownDid: verifierParty.did,
  key: verifierParty.keys.current,
  resolver,
  jtiStore: createMemoryJtiStore(),
  verifier,
  fetchJson: async (url, init) => {
    if (init?.method === 'POST') return { type: 'PresentationResponseMessage', presentation: [jwtVp] };
    return fetchJson(url);
  },
  requiredScopes: [typeScope('MembershipCredential')],
});
const tokens: string[] = [];
for (let i = 0; i < 3300; i++) {
  tokens.push(
    `Bearer ${await createSelfIssuedToken({ ownDid: holder.did, key: holder.keys.current, audience: verifierParty.did, scopes: [typeScope('MembershipCredential')] })}`,
  );
}
const dcpWarm = await measure('DCP check, warm caches', 3000, 300, async (i) => {
  const p = await dcp.verify(tokens[i]);
  if (p.credentials.length !== 1) throw new Error('DCP bench: claims missing');
});

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const data = Buffer.from('x'.repeat(400));
const sig = sign(null, data, privateKey);
const floor = await measure('raw Ed25519 verify', 5000, 500, () => {
  if (!verify(null, data, publicKey, sig)) throw new Error('floor');
});

console.log(
  JSON.stringify({
    bench: 'identity',
    jwtVpP50Ms: jwt.p50,
    jwtVpP95Ms: jwt.p95,
    jwtVpCpuP95Ms: jwt.cpuP95,
    diVpP50Ms: di.p50,
    diVpP95Ms: di.p95,
    diVpCpuP95Ms: di.cpuP95,
    dcpWarmP50Ms: dcpWarm.p50,
    dcpWarmP95Ms: dcpWarm.p95,
    dcpWarmCpuP95Ms: dcpWarm.cpuP95,
    ed25519VerifyP50Ms: floor.p50,
    ed25519VerifyP95Ms: floor.p95,
    ed25519VerifyCpuP95Ms: floor.cpuP95,
    loadAverage: Number(loadavg()[0]!.toFixed(1)),
  }),
);
