/**
 * `pontis demo`: a local data space on loopback, and the whole story told through the same HTTP APIs
 * an operator uses. Every part is real: four Pontis processes' worth of roles in this process (each
 * with its own store, keys and listeners), DSP and DCP between them, an origin server behind the provider.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyExport, verifyReceipt } from '../../audit/verify.js';
import { loadConfig, type ConfigInput } from '../../config/index.js';
import { createFetchJson } from '../../identity/http.js';
import { createDidResolver } from '../../identity/resolver.js';
import { multibaseKeyToJwk } from '../../identity/verification-method.js';
import { startConnector, type RunningConnector } from '../../runtime/connector.js';
import { migrate, openPglite, openPostgres, type Database } from '../../store/index.js';
import { DemoConsole, type StepOutcome } from './console.js';
import { startOrigin, type Origin } from './origin.js';

export interface DemoOptions {
  /** Run every participant on this PostgreSQL server (a schema each) instead of the embedded store. */
  postgres?: string;
  /** Leave everything running and print how to explore it. */
  keep?: boolean;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  interactive?: boolean;
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export interface DemoRun {
  ok: boolean;
  outcomes: StepOutcome[];
  participants: Partial<Record<Role, RunningConnector>>;
  origin?: Origin;
  /** Facts the story established, for tests and for `--keep`. */
  facts: Record<string, unknown>;
  stop(): Promise<void>;
}

type Role = 'authority' | 'provider' | 'consumer' | 'catalogue';
const POLICIES_DIR = new URL('../../../policies/', import.meta.url);
const MEMBERSHIP = 'MembershipCredential';
const DATA_SPACE = 'nordic-mobility';

class DemoError extends Error {}
const fail = (message: string): never => {
  throw new DemoError(message);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined), or fails saying what was awaited. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) return fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Api {
  (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

/** A management API client for one participant (its management key, or the auditor key). */
function api(c: RunningConnector, key = c.apiKeys.management, base = c.urls.management): Api {
  const call = (async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(base + path, {
      method,
      headers: {
        'x-api-key': key,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })) as Api;
  call.json = async <T>(method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    const text = await res.text();
    if (!res.ok) fail(`${c.config.name}: ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  return call;
}

function template(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, POLICIES_DIR), 'utf8')) as Record<string, unknown>;
}

type Constraint = Record<string, unknown>;
const constraintsOf = (policy: Record<string, unknown>) =>
  ((policy.permission as { constraint?: Constraint[] }[])[0]?.constraint ?? []) as Constraint[];

/** The provider's two contract policies, adapted from the templates in policies/ as an operator would. */
export function demoPolicies() {
  const members = template('members-only');
  const research = template('research-purpose-only');
  const uses = template('at-most-n-uses');
  const count = constraintsOf(uses).map((c) => ({
    ...c,
    rightOperand: { '@value': '3', '@type': 'xsd:integer' },
  }));
  const membersResearch3 = {
    ...members,
    '@id': 'urn:pontis:demo:members-research-3-uses',
    permission: [
      {
        action: 'use',
        constraint: [...constraintsOf(members), ...constraintsOf(research), ...count],
      },
    ],
  };
  const eea = template('eu-eea-only');
  const euOnly = {
    ...eea,
    '@id': 'urn:pontis:demo:eu-only',
    permission: [
      { action: 'use', constraint: constraintsOf(eea).map((c) => ({ ...c, rightOperand: 'EU' })) },
    ],
  };
  return { membersOnly: members, membersResearch3, euOnly };
}

async function openStores(roles: Role[], postgres: string | undefined): Promise<Record<Role, Database>> {
  const out = {} as Record<Role, Database>;
  if (postgres) {
    const admin = await openPostgres(postgres, { max: 1 });
    try {
      for (const role of roles) {
        const schema = `pontis_demo_${role}`;
        await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
        out[role] = await openPostgres(postgres, { schema });
        await migrate(out[role]);
      }
    } finally {
      await admin.close();
    }
    return out;
  }
  // One initdb, then each participant's store loads the migrated template (about 0.8 s each).
  const t = await openPglite();
  await migrate(t);
  const dump = await t.pg.dumpDataDir('gzip');
  await t.close();
  for (const role of roles) out[role] = await openPglite({ template: dump });
  return out;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoRun> {
  const con = new DemoConsole(options.out ?? process.stdout, options.interactive);
  const participants: Partial<Record<Role, RunningConnector>> = {};
  const facts: Record<string, unknown> = {};
  let origin: Origin | undefined;
  const workDir = mkdtempSync(join(tmpdir(), 'pontis-demo-'));
  // Stores not (yet) owned by a running participant, closed on stop.
  let unowned: Partial<Record<Role, Database>> = {};
  const stop = async () => {
    await Promise.allSettled(Object.values(participants).map((p) => p.stop()));
    await Promise.allSettled(Object.values(unowned).map((db) => db.close()));
    await origin?.close();
  };

  con.line(
    `Pontis demo: a local data space "${DATA_SPACE}" on ${options.postgres ? 'PostgreSQL' : 'the embedded store'}`,
  );
  con.line();

  const steps: [string, string, (progress: (what: string) => void) => Promise<string>][] = [];
  const step = (name: string, doing: string, run: (progress: (what: string) => void) => Promise<string>) =>
    steps.push([name, doing, run]);

  // Shortcuts filled in as the story goes.
  let authority!: RunningConnector,
    provider!: RunningConnector,
    consumer!: RunningConnector,
    catalogue!: RunningConnector;

  step(
    'start the data space',
    'starting an authority, a provider, a consumer, a catalogue and an origin server',
    async (progress) => {
      const roles: Role[] = ['authority', 'provider', 'consumer', 'catalogue'];
      progress('opening four stores');
      const stores = await openStores(roles, options.postgres);
      unowned = stores;
      origin = await startOrigin();
      const base = (role: Role): ConfigInput => ({
        name: role,
        dataDir: join(workDir, role),
        protocol: { port: 0 },
        management: { port: 0, apiKey: `demo-${role}-management-key` },
        data: { port: 0 },
        ops: { port: 0 },
        auditor: { apiKey: `demo-${role}-auditor-key` },
        log: { level: options.logLevel ?? 'silent' },
      });
      const start = async (role: Role, input: ConfigInput) => {
        progress(`starting the ${role}`);
        const config = loadConfig({ env: {}, overrides: input });
        participants[role] = await startConnector(config, { database: stores[role] });
        delete unowned[role];
        return participants[role];
      };
      authority = await start('authority', {
        ...base('authority'),
        role: 'issuer',
        identity: { allowHttpDidWeb: true },
        issuer: { memberOf: DATA_SPACE },
      } as ConfigInput);
      const trust = {
        allowHttpDidWeb: true,
        statusListCacheTtlMs: 1000,
        trustedIssuers: [{ did: authority.services.did, types: [MEMBERSHIP] }],
      };
      catalogue = await start('catalogue', {
        ...base('catalogue'),
        role: 'catalogue',
        identity: trust,
        catalogue: { dataSpace: DATA_SPACE },
      } as ConfigInput);
      const connector = (role: Role): ConfigInput =>
        ({
          ...base(role),
          identity: trust,
          transfer: { monitorIntervalMs: 500 },
          catalogue: { url: catalogue.urls.public, did: catalogue.services.did },
        }) as ConfigInput;
      provider = await start('provider', connector('provider'));
      consumer = await start('consumer', connector('consumer'));
      return [
        `authority  ${authority.services.did} (issues membership credentials, publishes their revocation list)`,
        `provider   ${provider.services.did} (publishes data served by its origin server ${origin.url})`,
        `consumer   ${consumer.services.did}`,
        `catalogue  ${catalogue.services.did} (federates the participants' catalogues)`,
      ].join('\n');
    },
  );

  step('onboarding', 'the authority issues membership credentials', async (progress) => {
    const issuer = api(authority);
    const members: [RunningConnector, string][] = [
      [provider, 'DE'],
      [consumer, 'NO'],
      [catalogue, 'DE'],
    ];
    const issuedIds: [RunningConnector, string][] = [];
    for (const [member, countryCode] of members) {
      progress(`issuing a ${MEMBERSHIP} to the ${member.config.name} (country ${countryCode})`);
      const issued = await issuer.json<{ id: string }>('POST', '/v1/issuer/credentials', {
        holderDid: member.services.did,
        type: MEMBERSHIP,
        claims: { countryCode },
        deliver: true,
      });
      if (member === consumer) facts.consumerCredentialId = issued.id;
      issuedIds.push([member, issued.id]);
    }
    for (const [member, id] of issuedIds) {
      progress(`waiting for delivery to the ${member.config.name}'s credential service`);
      let lastError: string | undefined;
      await waitFor(`the ${member.config.name} to receive its ${MEMBERSHIP}`, async () => {
        const record = await issuer.json<{ deliveredAt?: string; deliveryError?: string }>(
          'GET',
          `/v1/issuer/credentials/${encodeURIComponent(id)}`,
        );
        lastError = record.deliveryError;
        return record.deliveredAt ? true : undefined;
      }).catch((e: Error) => fail(`${e.message}${lastError ? `: ${lastError}` : ''}`));
      const held = await api(member).json<{ items: { types: string[] }[] }>(
        'GET',
        '/v1/identity/credentials',
      );
      if (!held.items.some((c) => c.types.includes(MEMBERSHIP)))
        fail(`the ${member.config.name} does not list its ${MEMBERSHIP}`);
    }
    return `provider (DE), consumer (NO) and catalogue (DE) each received a ${MEMBERSHIP} from the authority,\ndelivered over DCP to their credential services; each connector trusts the authority for that type`;
  });

  step('publish', 'the provider publishes two datasets with policies from policies/', async (progress) => {
    const p = api(provider);
    const policies = demoPolicies();
    for (const [id, policy] of [
      ['members-only', policies.membersOnly],
      ['members-research-3-uses', policies.membersResearch3],
      ['eu-only', policies.euOnly],
    ] as const) {
      progress(`storing policy ${id}`);
      await p.json('POST', '/v1/policies', { id, policy });
    }
    const assets = [
      {
        id: 'air-quality',
        title: 'Urban air quality measurements',
        description: 'Daily PM2.5, PM10 and NO2 readings from city monitoring stations',
        keywords: ['air quality', 'pollution', 'environment'],
        publisher: provider.services.did,
        license: 'https://creativecommons.org/licenses/by/4.0/',
        distributions: [{ format: 'HttpData-PULL', mediaType: 'text/csv' }],
        dataAddress: { type: 'HttpData', baseUrl: `${origin!.url}/air-quality.csv` },
      },
      {
        id: 'traffic-counts',
        title: 'Hourly road traffic counts',
        description: 'Vehicles per hour at motorway counting sites',
        keywords: ['traffic', 'mobility'],
        publisher: provider.services.did,
        distributions: [{ format: 'HttpData-PULL', mediaType: 'application/json' }],
        dataAddress: { type: 'HttpData', baseUrl: `${origin!.url}/traffic-counts.json` },
      },
    ];
    for (const asset of assets) {
      progress(`publishing ${asset.id}`);
      await p.json('POST', '/v1/assets', asset);
    }
    await p.json('POST', '/v1/offers', {
      id: 'research',
      accessPolicyId: 'members-only',
      contractPolicyId: 'members-research-3-uses',
      assetSelector: { assetIds: ['air-quality'] },
    });
    await p.json('POST', '/v1/offers', {
      id: 'eu',
      accessPolicyId: 'members-only',
      contractPolicyId: 'eu-only',
      assetSelector: { assetIds: ['traffic-counts'] },
    });
    return [
      'air-quality     visible to members; offered to members, for research, at most 3 uses',
      'traffic-counts  visible to members; offered to participants established in the EU',
    ].join('\n');
  });

  step('catalogue', 'the catalogue crawls the provider; the consumer searches it', async (progress) => {
    const cat = api(catalogue);
    progress('registering the provider in the catalogue');
    const registered = await cat.json<{ id: string }>('POST', '/v1/catalogue/participants', {
      did: provider.services.did,
    });
    progress('crawling');
    await cat.json('POST', `/v1/catalogue/participants/${encodeURIComponent(registered.id)}/crawl`);
    progress('the consumer searches for "air quality"');
    type Hit = { datasetId: string; participant: string; endpoint?: string; title?: string };
    const found = await waitFor('the search to find the datasets', async () => {
      const r = await api(consumer).json<{ items: Hit[]; total: number }>(
        'GET',
        '/v1/discovery/search?q=air%20quality',
      );
      return r.items.some((h) => h.datasetId === 'air-quality') ? r : undefined;
    });
    const all = await api(consumer).json<{ items: Hit[]; total: number }>(
      'GET',
      '/v1/discovery/search?q=traffic',
    );
    facts.searchHits = [...found.items, ...all.items];
    const hit = found.items.find((h) => h.datasetId === 'air-quality')!;
    return `the catalogue crawled the provider over DSP (authenticated with its own membership);\nsearching "air quality" found "${hit.title ?? hit.datasetId}" from ${hit.participant}; "traffic" found ${all.total} dataset(s)`;
  });

  step('negotiate', 'the consumer negotiates for both datasets', async (progress) => {
    const c = api(consumer);
    const hits = facts.searchHits as { datasetId: string; participant: string; endpoint: string }[];
    const negotiate = async (datasetId: string) => {
      const hit = hits.find((h) => h.datasetId === datasetId) ?? fail(`no search result for ${datasetId}`);
      const started = await c.json<{ id: string }>('POST', '/v1/discovery/negotiations', {
        participant: hit.participant,
        endpoint: hit.endpoint,
        datasetId,
      });
      return waitFor(`the negotiation for ${datasetId} to end`, async () => {
        const n = await c.json<{
          state: string;
          agreementId?: string;
          termination?: { reason?: unknown } | null;
        }>('GET', `/v1/negotiations/${started.id}`);
        const done = n.state === 'FINALIZED' || n.state === 'TERMINATED';
        return done ? { ...n, id: started.id, reason: n.termination?.reason ?? n.termination } : undefined;
      });
    };
    progress('negotiating for air-quality (members, research, at most 3 uses)');
    const agreed = await negotiate('air-quality');
    if (agreed.state !== 'FINALIZED')
      fail(`air-quality: expected an agreement, got ${agreed.state}: ${JSON.stringify(agreed.reason)}`);
    facts.agreementId = agreed.agreementId;
    facts.providerEndpoint = hits.find((h) => h.datasetId === 'air-quality')!.endpoint;
    progress('negotiating for traffic-counts (EU only)');
    const refused = await negotiate('traffic-counts');
    if (refused.state !== 'TERMINATED') fail(`traffic-counts: expected a refusal, got ${refused.state}`);
    facts.refusal = refused.reason;
    return `air-quality: agreement ${agreed.agreementId} (the consumer is a member; research and the use count are checked per request)\ntraffic-counts: refused by the provider: ${reasonText(refused.reason)}`;
  });

  step('pull data', 'the consumer pulls air-quality through the data plane', async (progress) => {
    const c = api(consumer);
    const transfer = await c.json<{ id: string }>('POST', '/v1/transfers', {
      agreementId: facts.agreementId,
      counterPartyAddress: facts.providerEndpoint,
    });
    facts.transferId = transfer.id;
    await waitFor('the transfer to start', async () => {
      const t = await c.json<{ state: string }>('GET', `/v1/transfers/${transfer.id}`);
      if (t.state === 'TERMINATED') fail(`the transfer was terminated: ${JSON.stringify(t)}`);
      return t.state === 'STARTED' ? t : undefined;
    });
    const expected = origin!.files['/air-quality.csv'];
    for (let i = 1; i <= 3; i++) {
      progress(`request ${i} of 3 (purpose: research)`);
      const res = await c('GET', `/v1/transfers/${transfer.id}/data`, undefined, { 'x-purpose': 'research' });
      const body = await res.text();
      if (res.status !== 200) fail(`request ${i} was refused (${res.status}): ${body}`);
      if (body !== expected) fail(`request ${i} returned different bytes than the origin serves`);
    }
    progress('request 4');
    const fourth = await c('GET', `/v1/transfers/${transfer.id}/data`, undefined, {
      'x-purpose': 'research',
    });
    const denial = (await fourth.json().catch(() => ({}))) as Record<string, unknown>;
    if (fourth.status !== 403) fail(`the 4th request should be refused, got ${fourth.status}`);
    facts.fourthDenial = denial;
    return `requests 1-3 returned the origin's ${expected.length} bytes; each was checked against the agreement and logged\nrequest 4 refused (403): ${String(denial.message ?? JSON.stringify(denial))}`;
  });

  step('revoke membership', "the authority revokes the consumer's membership", async (progress) => {
    await api(authority).json(
      'POST',
      `/v1/issuer/credentials/${encodeURIComponent(String(facts.consumerCredentialId))}/revoke`,
      {
        reason: 'membership ended',
      },
    );
    progress("waiting for the provider's policy monitor");
    const p = api(provider);
    const ended = await waitFor('the provider to terminate the running transfer', async () => {
      const list = await p.json<{ items: { id: string; state: string; agreementId: string }[] }>(
        'GET',
        `/v1/transfers?limit=50`,
      );
      const t = list.items.find((x) => x.agreementId === facts.agreementId);
      return t?.state === 'TERMINATED' ? t : undefined;
    });
    const detail = await p.json<{ history?: { reason?: unknown; code?: string }[]; reason?: unknown }>(
      'GET',
      `/v1/transfers/${ended.id}`,
    );
    const why = detail.reason ?? detail.history?.at(-1)?.reason;
    const next = await api(consumer)('GET', `/v1/transfers/${facts.transferId}/data`, undefined, {
      'x-purpose': 'research',
    });
    const nextBody = (await next.json().catch(() => ({}))) as Record<string, unknown>;
    if (next.status < 400) fail(`a request after revocation was answered ${next.status}`);
    return `the provider saw the revocation in the authority's status list and terminated the transfer: ${reasonText(why)}\nthe consumer's next request was refused (${next.status}): ${String(nextBody.message ?? '')}`;
  });

  step('audit', "an auditor exports the provider's log and verifies it", async (progress) => {
    const auditor = api(provider, provider.apiKeys.auditor);
    progress('exporting');
    const res = await auditor('GET', '/v1/audit/export');
    if (!res.ok) fail(`export answered ${res.status}: ${await res.text()}`);
    const text = await res.text();
    const file = join(workDir, 'provider-audit.jsonl');
    writeFileSync(file, text);
    facts.exportFile = file;
    const resolver = createDidResolver({ fetchJson: createFetchJson(), allowHttpLoopback: true });
    const keys = async (kid: string) => {
      const vm = await resolver.resolveVerificationMethod(kid, 'assertionMethod');
      return (
        vm.publicKeyJwk ?? (vm.publicKeyMultibase ? multibaseKeyToJwk(vm.publicKeyMultibase) : undefined)
      );
    };
    progress('verifying every hash, the root and the signed tree heads');
    const lines = text.split('\n');
    const good = await verifyExport(lines, { keys, expectedLogId: provider.services.did });
    if (!good.ok) fail(`the untouched export does not verify: ${JSON.stringify(good.problems.slice(0, 3))}`);
    // The tamperer edits the agreement entry: the agreement's content, not its hash.
    const at = lines.findIndex((l) => l.includes('"type":"agreement"'));
    if (at < 0) fail('the export holds no agreement entry');
    const entry = JSON.parse(lines[at]!) as { seq: number; content: Record<string, unknown> };
    const tampered = [...lines];
    tampered[at] = lines[at]!.replace(/"assignee":"[^"]+"/, '"assignee":"did:web:someone-else.example"');
    if (tampered[at] === lines[at])
      tampered[at] = lines[at]!.replace('"type":"agreement"', '"type":"agreement-x"');
    const bad = await verifyExport(tampered, { keys, expectedLogId: provider.services.did });
    if (bad.ok) fail('a tampered export verified');
    const first = bad.problems[0];
    facts.tamperedSeq = entry.seq;
    facts.firstProblemSeq = first?.seq;
    if (first?.seq !== entry.seq)
      fail(`the tampered entry is ${entry.seq} but verification named ${first?.seq}`);
    progress("the consumer fetches its agreement's receipt from the provider's log");
    const receipt = await api(consumer).json(
      'GET',
      `/v1/agreements/${encodeURIComponent(String(facts.agreementId))}/receipt`,
    );
    const checked = await verifyReceipt(receipt, { keys, expectedLogId: provider.services.did });
    if (!checked.ok)
      fail(`the consumer's receipt does not verify: ${JSON.stringify(checked.problems.slice(0, 2))}`);
    facts.receiptVerified = true;
    return [
      `${good.entries} entries, ${good.treeHeadsVerified} signed tree head(s) verified against the provider's DID key`,
      `a copy with the agreement entry (seq ${entry.seq}) edited fails at seq ${first.seq}: ${first.message}`,
      "the consumer's receipt for its agreement (entry, inclusion proof, signed tree head) verifies on its own",
    ].join('\n');
  });

  for (const [name, doing, run] of steps) {
    const o = await con.step(name, doing, run);
    if (!o.ok) break;
  }
  for (const [name] of steps.slice(con.outcomes.length))
    con.outcomes.push({ name, ok: false, detail: 'not run' });
  con.summary();
  const ok = con.outcomes.every((o) => o.ok);

  if (options.keep && participants.provider) {
    con.line('Everything keeps running; stop with Ctrl-C. To explore:');
    for (const p of Object.values(participants)) {
      con.line(
        `  ${p.config.name.padEnd(10)} management ${p.urls.management}  (X-Api-Key: ${p.apiKeys.management}; docs ${p.urls.management}/docs)`,
      );
      con.line(`  ${''.padEnd(10)} protocol   ${p.urls.protocol}  data ${p.urls.data}  ops ${p.urls.ops}`);
    }
    con.line(
      `  auditor of the provider: X-Api-Key ${provider.apiKeys.auditor} on ${provider.urls.management}/v1/audit`,
    );
    if (facts.exportFile) {
      con.line(
        `  verify the export yourself: npx pontis audit verify ${String(facts.exportFile)} --did '${provider.services.did}' --allow-http`,
      );
    }
  }
  return { ok, outcomes: con.outcomes, participants, origin, facts, stop };
}

/** A DSP `reason` (strings, or objects with a value) as one readable sentence. */
function reasonText(reason: unknown): string {
  if (reason === undefined || reason === null) return '(no reason given)';
  if (typeof reason === 'object' && !Array.isArray(reason) && 'reason' in reason) {
    return reasonText((reason as { reason: unknown }).reason);
  }
  const parts = (Array.isArray(reason) ? reason : [reason]).map((r) =>
    typeof r === 'string'
      ? r
      : typeof r === 'object' && r && '@value' in r
        ? String((r as { '@value': unknown })['@value'])
        : JSON.stringify(r),
  );
  return parts.join('; ');
}
