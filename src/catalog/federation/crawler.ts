/**
 * The crawler of the catalogue role. Each participant is crawled on its own interval; failing
 * participants back off exponentially; at most `concurrency` crawls run at once, each page within
 * `timeoutMs`. Before a crawl the participant's credentials are verified (only trusted participants
 * are crawled). A crawl follows `Link: <...>; rel="next"` pages and nested catalogues (inline, or
 * referenced through a DataService whose distribution format is `Catalog`). Its result replaces the
 * participant's datasets in one transaction; a failed crawl keeps the last good copy, marked stale.
 */
import { ForbiddenError, PeerError, PontisError, UnauthorizedError } from '../../errors.js';
import type { CatalogNode, DatasetNode } from '../../protocol/index.js';
import { claimLease, releaseLease } from '../../store/leases.js';
import { retryDelayMs } from '../../store/outbox.js';
import type { Queryable } from '../../store/db.js';
import { extractDataset, type IndexedDataset } from './extract.js';
import { catalogRequestUrl, type CatalogPage, type FetchCatalogPage } from './fetch.js';
import type { FederationStore, Participant } from './store.js';

/** Property of a nested catalogue naming the data space its datasets belong to (set by Pontis catalogues). */
export const DATA_SPACE_PROPERTY = 'https://w3id.org/pontis/federation#dataSpace';

export interface CrawlerOptions {
  /** Default time between successful crawls of a participant. */
  intervalMs: number;
  concurrency: number;
  /** Per page request. */
  timeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxPages: number;
  maxDatasets: number;
  /** How deep referenced sub-catalogues are followed. */
  maxDepth: number;
  maxPageBytes: number;
  /** How often the scheduler looks for due participants. */
  pollMs: number;
}

export const defaultCrawlerOptions: CrawlerOptions = {
  intervalMs: 3_600_000,
  concurrency: 8,
  timeoutMs: 30_000,
  backoffBaseMs: 30_000,
  backoffMaxMs: 6 * 3_600_000,
  maxPages: 10_000,
  maxDatasets: 200_000,
  maxDepth: 3,
  maxPageBytes: 32 * 1024 * 1024,
  pollMs: 1_000,
};

export interface CrawlerDeps {
  store: FederationStore;
  /** For leases, so that replicas sharing a database crawl each participant once. */
  db: Queryable;
  owner: string;
  fetchPage: FetchCatalogPage;
  /** The Authorization header for a DSP call to `did` (DCP, as the catalogue's own identity). */
  authorizationFor?: (did: string) => Promise<string>;
  /** Throws ForbiddenError/UnauthorizedError when the participant's credentials are not trusted. */
  verifyParticipant: (did: string) => Promise<void>;
  /** DSP catalogue endpoint of a DID (its CatalogService, else its DataService). */
  resolveEndpoint: (did: string) => Promise<string>;
  /** This catalogue's data space (the label of participants without one). */
  dataSpace: string;
  options: CrawlerOptions;
  log?: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

export interface CrawlOutcome {
  participant: string;
  ok: boolean;
  datasets: number;
  error?: string;
  untrusted?: boolean;
}

export interface CrawlProgress {
  onPage?(participantId: string, datasetsSoFar: number): void;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface NodeContext {
  participant: string;
  dataSpace: string;
  endpoint: string;
  services: Map<string, Record<string, unknown>>;
}

/** Services of a catalogue node by `@id`, over those of its parents. */
function withServices(node: CatalogNode, parent?: Map<string, Record<string, unknown>>) {
  const m = new Map(parent);
  for (const s of node.service ?? []) if (isObject(s) && typeof s['@id'] === 'string') m.set(s['@id'], s);
  return m;
}

/** A dataset whose distributions carry their DataService inline, so it reads alone when served again. */
function selfContained(ds: DatasetNode, services: Map<string, Record<string, unknown>>): DatasetNode {
  if (!Array.isArray(ds.distribution)) return ds;
  return {
    ...ds,
    distribution: ds.distribution.map((d) =>
      typeof d.accessService === 'string' && services.has(d.accessService)
        ? { ...d, accessService: services.get(d.accessService) as never }
        : d,
    ),
  };
}

function endpointOfDataset(ds: DatasetNode, fallback: string): string {
  for (const d of ds.distribution ?? []) {
    const s = d.accessService;
    if (isObject(s) && typeof s.endpointURL === 'string') return s.endpointURL.replace(/\/+$/, '');
  }
  return fallback;
}

/** Referenced sub-catalogues: DataService endpoints of distributions whose format is `Catalog`. */
function subCatalogRefs(node: CatalogNode, services: Map<string, Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const d of node.distribution ?? []) {
    const format = String(d.format ?? '');
    if (format !== 'Catalog' && !format.endsWith('#Catalog') && !format.endsWith('/Catalog')) continue;
    const s = typeof d.accessService === 'string' ? services.get(d.accessService) : d.accessService;
    if (isObject(s) && typeof s.endpointURL === 'string') out.push(s.endpointURL);
  }
  return out;
}

export class CrawlError extends Error {
  constructor(
    message: string,
    readonly untrusted = false,
  ) {
    super(message);
  }
}

/** Crawls one participant's catalogue completely, or throws. Writes nothing. */
export async function crawlParticipant(
  deps: CrawlerDeps,
  p: Participant,
  progress: CrawlProgress = {},
  signal?: AbortSignal,
): Promise<IndexedDataset[]> {
  const o = deps.options;
  const did = p.did;
  if (!did) {
    throw new CrawlError(
      `participant ${p.id} (${p.address}) has no DID: its credentials cannot be verified, so it is not crawled`,
      true,
    );
  }
  try {
    await deps.verifyParticipant(did);
  } catch (e) {
    const untrusted = e instanceof ForbiddenError || e instanceof UnauthorizedError;
    const msg = e instanceof Error ? e.message : String(e);
    throw new CrawlError(
      untrusted ? `credentials not trusted: ${msg}` : `credentials not verified: ${msg}`,
      untrusted,
    );
  }
  const base = (p.address ?? (await deps.resolveEndpoint(did))).replace(/\/+$/, '');
  const authorization = deps.authorizationFor ? await deps.authorizationFor(did) : undefined;
  const dataSpace = p.dataSpace ?? deps.dataSpace;
  const found: IndexedDataset[] = [];
  let pages = 0;
  const queue: { url: string; depth: number; ctx: Omit<NodeContext, 'services'> }[] = [
    { url: catalogRequestUrl(base), depth: 0, ctx: { participant: did, dataSpace, endpoint: base } },
  ];
  const seen = new Set<string>();

  const collect = (node: CatalogNode, ctx: NodeContext, depth: number) => {
    const services = withServices(node, ctx.services);
    for (const ds of node.dataset ?? []) {
      const full = selfContained(ds, services);
      found.push(
        extractDataset(full, {
          participant: ctx.participant,
          dataSpace: ctx.dataSpace,
          endpoint: endpointOfDataset(full, ctx.endpoint),
        }),
      );
    }
    if (found.length > o.maxDatasets)
      throw new CrawlError(`more than ${o.maxDatasets} datasets at ${base}; the crawl stops there`);
    for (const sub of node.catalog ?? []) {
      const subServices = withServices(sub, services);
      const dsp = (sub.service ?? []).find((s) => isObject(s) && typeof s.endpointURL === 'string');
      const label = (sub as Record<string, unknown>)[DATA_SPACE_PROPERTY];
      const subCtx: NodeContext = {
        participant: sub.participantId ?? ctx.participant,
        dataSpace: typeof label === 'string' && label ? label : ctx.dataSpace,
        endpoint: dsp ? dsp.endpointURL.replace(/\/+$/, '') : ctx.endpoint,
        services: subServices,
      };
      collect(sub, subCtx, depth);
      if ((sub.dataset ?? []).length === 0 && (sub.catalog ?? []).length === 0) {
        for (const ref of subCatalogRefs(sub, subServices)) {
          if (depth + 1 > o.maxDepth) continue;
          queue.push({
            url: catalogRequestUrl(ref),
            depth: depth + 1,
            ctx: { participant: subCtx.participant, dataSpace: subCtx.dataSpace, endpoint: subCtx.endpoint },
          });
        }
      }
    }
  };

  while (queue.length > 0) {
    const item = queue.shift()!;
    let url: string | undefined = item.url;
    while (url) {
      if (signal?.aborted) throw new CrawlError('crawl stopped');
      if (seen.has(url)) break;
      seen.add(url);
      if (++pages > o.maxPages) throw new CrawlError(`more than ${o.maxPages} catalogue pages at ${base}`);
      const pageOptions = { authorization, timeoutMs: o.timeoutMs, maxBytes: o.maxPageBytes, signal };
      const page: CatalogPage = await deps.fetchPage(url, pageOptions).catch(async (e: unknown) => {
        // A connection reset (a keep-alive connection the peer just closed) is worth one retry.
        if (!(e instanceof PeerError) || e.code !== 'peer_unreachable') throw e;
        await new Promise((r) => setTimeout(r, 200));
        return deps.fetchPage(url!, pageOptions);
      });
      const ctx: NodeContext = {
        ...item.ctx,
        participant:
          item.depth === 0 && page.catalog.participantId ? page.catalog.participantId : item.ctx.participant,
        services: new Map(),
      };
      collect(page.catalog as CatalogNode, ctx, item.depth);
      progress.onPage?.(p.id, found.length);
      url = page.next;
    }
  }
  return found;
}

/** Runs crawls: on a schedule (`start`) or all at once (`crawlAll`). */
export class Crawler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly inFlight = new Map<string, Promise<CrawlOutcome>>();
  private readonly abort = new AbortController();
  private ticking: Promise<void> | undefined;

  constructor(private readonly deps: CrawlerDeps) {}

  /** Crawls `p` now and records the outcome. Returns undefined when another replica holds its lease. */
  async crawlOne(p: Participant, progress: CrawlProgress = {}): Promise<CrawlOutcome | undefined> {
    const { store, db, owner, options: o } = this.deps;
    const lease = `federation:crawl:${p.id}`;
    // Long enough for the slowest crawl we allow; released as soon as it ends.
    const leaseMs = o.timeoutMs * 4 + 60_000;
    if (!(await claimLease(db, lease, owner, leaseMs))) return undefined;
    try {
      await store.markAttempt(p.id);
      const datasets = await crawlParticipant(this.deps, p, progress, this.abort.signal);
      const written = await store.replaceDatasets(p.id, datasets, {
        intervalMs: (p.intervalSeconds ?? 0) * 1000 || o.intervalMs,
      });
      if (written) this.deps.log?.info({ participant: p.id, datasets: datasets.length }, 'crawled');
      return { participant: p.id, ok: true, datasets: datasets.length };
    } catch (e) {
      // Stopping is not the participant's fault: leave its status as it was.
      if (this.abort.signal.aborted) return { participant: p.id, ok: false, datasets: 0, error: 'stopped' };
      const untrusted = e instanceof CrawlError && e.untrusted;
      const error =
        e instanceof PeerError || e instanceof CrawlError || e instanceof PontisError
          ? e.message
          : e instanceof Error
            ? `${e.name}: ${e.message}`
            : String(e);
      const retryInMs = retryDelayMs(p.failures + 1, o.backoffBaseMs, o.backoffMaxMs);
      await store.recordFailure(p.id, error, { retryInMs, untrusted });
      this.deps.log?.warn({ participant: p.id, error, retryInMs }, 'crawl failed');
      return { participant: p.id, ok: false, datasets: 0, error, untrusted };
    } finally {
      await releaseLease(db, lease, owner).catch(() => undefined);
    }
  }

  /**
   * Crawls every registered participant once, `concurrency` at a time. `onDone` after each one,
   * `onPage` as datasets are found (for progress bars).
   */
  async crawlAll(
    hooks: CrawlProgress & {
      onStart?(total: number): void;
      onDone?(outcome: CrawlOutcome): void;
    } = {},
  ): Promise<CrawlOutcome[]> {
    const { items } = await this.deps.store.listParticipants({ limit: 100_000 });
    hooks.onStart?.(items.length);
    const outcomes: CrawlOutcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const p = items[next++]!;
        const r = (await this.crawlOne(p, hooks)) ?? {
          participant: p.id,
          ok: false,
          datasets: 0,
          error: 'another replica is crawling it',
        };
        outcomes.push(r);
        hooks.onDone?.(r);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.deps.options.concurrency) }, worker));
    return outcomes;
  }

  /** Starts the schedule: every `pollMs`, due participants are crawled up to the concurrency limit. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.ticking;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Looks for due participants now (after an operator adds one). */
  poke(): void {
    if (this.running && !this.ticking) this.schedule(0);
  }

  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((e: unknown) => this.deps.log?.warn({ err: e }, 'crawl scheduler failed'))
        .finally(() => {
          this.ticking = undefined;
          if (this.running) this.schedule(this.deps.options.pollMs);
        });
    }, ms);
    this.timer.unref?.();
  }

  private async tick() {
    const free = this.deps.options.concurrency - this.inFlight.size;
    if (!this.running || free <= 0) return;
    const due = await this.deps.store.due(free, [...this.inFlight.keys()]);
    for (const p of due) {
      const run = this.crawlOne(p)
        .then((r) => r ?? { participant: p.id, ok: false, datasets: 0 })
        .finally(() => {
          this.inFlight.delete(p.id);
          // A slot is free: look for more work without waiting for the next poll.
          this.poke();
        });
      this.inFlight.set(p.id, run);
    }
  }
}
