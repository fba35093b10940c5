/**
 * The catalogue role at data space scale: 100 simulated participants of 1,000 datasets each on
 * loopback (DSP 2025-1 catalogues paged 100 datasets at a time with Link headers), crawled once
 * with the configured concurrency into an in-memory PGlite, then searched.
 *
 *   npx tsx bench/federation.ts      (or: npm run bench -- federation)
 *   BENCH_PARTICIPANTS=N BENCH_DATASETS=M BENCH_QUERIES=Q to scale it.
 *
 * Figures: crawlMs (full crawl), search p50/p95 over a mix of word, facet and combined queries with
 * facet counts (facet cache off: every query computes its counts), and floors measured in the same
 * run: one catalogue page fetched over loopback (pageP50Ms) and a trivial query (selectP50Ms).
 * Last line: {"bench":"federation",...}
 */
import { Crawler, defaultCrawlerOptions } from '../src/catalog/federation/crawler.js';
import { createCatalogPageFetcher } from '../src/catalog/federation/fetch.js';
import { createFederationStore, type SearchQuery } from '../src/catalog/federation/store.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrate, openPglite } from '../src/store/index.js';
import { generateDatasets, startFakePeer, type FakePeer } from '../tests/helpers/federation-peer.js';

const PARTICIPANTS = Number(process.env.BENCH_PARTICIPANTS ?? 100);
const DATASETS = Number(process.env.BENCH_DATASETS ?? 1000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? defaultCrawlerOptions.concurrency);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number) => Math.round(x * 100) / 100;

// The participants run in a child process (their own event loop and core), as separate hosts would.
if (process.argv.includes('--peers')) {
  const peers: FakePeer[] = [];
  for (let i = 0; i < PARTICIPANTS; i++) {
    peers.push(
      await startFakePeer({
        participantId: `did:web:p${i}.bench`,
        datasets: generateDatasets(i, DATASETS),
        pageSize: 100,
      }),
    );
  }
  process.stdout.write(JSON.stringify(peers.map((p) => p.url)) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else {
  await main();
}

async function main() {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--peers'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const urls = await new Promise<string[]>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(JSON.parse(buf.slice(0, buf.indexOf('\n'))) as string[]);
    });
    child.once('exit', (code) => reject(new Error(`peers exited with ${code}`)));
  });
  const peers = urls.map((url) => ({ url }));
  console.log(`${PARTICIPANTS} participants of ${DATASETS} datasets on loopback (child process)`);

  const db = await openPglite();
  await migrate(db);
  const store = createFederationStore(db, { facetCache: false });
  for (let i = 0; i < PARTICIPANTS; i++)
    await store.addParticipant({ did: `did:web:p${i}.bench`, address: peers[i]!.url });

  const fetchPage = createCatalogPageFetcher({});
  // Floor: one catalogue page (100 datasets) over loopback, fetched and decoded.
  const pageTimes: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    await fetchPage(`${peers[i % PARTICIPANTS]!.url}/catalog/request`, {
      timeoutMs: 30_000,
      maxBytes: 1 << 26,
    });
    pageTimes.push(performance.now() - t);
  }

  const crawler = new Crawler({
    store,
    db,
    owner: 'bench',
    fetchPage,
    authorizationFor: async () => 'Bearer bench',
    verifyParticipant: async () => undefined,
    resolveEndpoint: async () => {
      throw new Error('not used');
    },
    dataSpace: 'bench',
    options: { ...defaultCrawlerOptions, concurrency: CONCURRENCY },
  });
  let done = 0;
  let found = 0;
  const t0 = performance.now();
  const outcomes = await crawler.crawlAll({
    onDone: (o) => {
      done++;
      found += o.datasets;
      if (done % 10 === 0) console.log(`crawled ${done}/${PARTICIPANTS} participants, ${found} datasets`);
    },
  });
  const crawlMs = performance.now() - t0;
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) console.log(`failed: ${failed.map((f) => `${f.participant}: ${f.error}`).join('; ')}`);
  const indexed = (await store.search({ limit: 1, facets: false })).total;
  console.log(`full crawl: ${Math.round(crawlMs)} ms, ${indexed} datasets indexed`);

  // Floor: a trivial query on the same database.
  const selectTimes: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await db.query('SELECT 1');
    selectTimes.push(performance.now() - t);
  }

  const WORDS = [
    'weather',
    'traffic',
    'energy',
    'water',
    'soil',
    'noise',
    'health',
    'parking',
    'solar',
    'rail',
    'forest',
    'crop',
  ];
  const THEMES = ['environment', 'transport', 'energy', 'agriculture', 'health'];
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const query = (i: number): SearchQuery => {
    const w = WORDS[rnd(WORDS.length)]!;
    const w2 = WORDS[rnd(WORDS.length)]!;
    const p = `did:web:p${rnd(PARTICIPANTS)}.bench`;
    switch (i % 6) {
      case 0:
        return { q: w };
      case 1:
        return { q: `${w} ${w2}` };
      case 2:
        return { q: `"${w} ${w2}" region ${rnd(50)}` };
      case 3:
        return { participant: [p], sort: 'title', offset: rnd(5) * 20 };
      case 4:
        return { q: w, theme: [THEMES[rnd(THEMES.length)]!], keyword: [w2] };
      default:
        return { keyword: [w], participant: [p, `did:web:p${rnd(PARTICIPANTS)}.bench`] };
    }
  };
  for (let i = 0; i < 20; i++) await store.search(query(i)); // warm-up
  const times: number[] = [];
  const perKind: number[][] = [[], [], [], [], [], []];
  for (let i = 0; i < QUERIES; i++) {
    const q = query(i);
    const t = performance.now();
    await store.search(q);
    const ms = performance.now() - t;
    times.push(ms);
    perKind[i % 6]!.push(ms);
  }
  const kinds = [
    'word',
    'twoWords',
    'phrase',
    'participantSorted',
    'wordThemeKeyword',
    'keywordParticipants',
  ];
  for (const [i, k] of kinds.entries())
    console.log(`${k}: p50 ${round(pct(perKind[i]!, 50))} ms, p95 ${round(pct(perKind[i]!, 95))} ms`);
  // The heaviest query there is: everything, with facet counts over all datasets.
  const everything: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await store.search({});
    everything.push(performance.now() - t);
  }

  child.stdin.end();
  await db.close();
  console.log(
    JSON.stringify({
      bench: 'federation',
      participants: PARTICIPANTS,
      datasets: indexed,
      concurrency: CONCURRENCY,
      crawlMs: Math.round(crawlMs),
      pageP50Ms: round(pct(pageTimes, 50)),
      searchP50Ms: round(pct(times, 50)),
      searchP95Ms: round(pct(times, 95)),
      matchAllP50Ms: round(pct(everything, 50)),
      selectP50Ms: round(pct(selectTimes, 50)),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}
