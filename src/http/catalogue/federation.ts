/**
 * HTTP of the catalogue role: the registry, crawl status and search (openapi/catalogue.yaml) on the
 * management listener; search for participants and the DSP catalogue endpoint serving the federated
 * catalogue on the protocol listener.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { federatedCatalogPage, encodePageToken } from '../../catalog/federation/serve.js';
import type {
  FederationStore,
  Participant,
  ParticipantInput as StoreParticipantInput,
  SearchQuery,
} from '../../catalog/federation/store.js';
import { FACETS } from '../../catalog/federation/store.js';
import type { CrawlOutcome } from '../../catalog/federation/crawler.js';
import { ConflictError, NotFoundError, PontisError } from '../../errors.js';
import { buildCatalogError, decodeMessage, dspContext } from '../../protocol/index.js';
import { toErrorResponse } from '../errors.js';
import { loadOpenApi, openApiValidator } from '../openapi.js';
import type { components } from '../generated/catalogue.js';

type ParticipantBody = components['schemas']['Participant'];

export interface FederationHttpDeps {
  store: FederationStore;
  /** Crawls one participant now; undefined when a crawl of it is already running. */
  crawlNow(p: Participant): Promise<CrawlOutcome | undefined>;
  /** Wakes the scheduler (a participant was added). */
  poke(): void;
  /** Authenticates a DSP / search caller (DCP); absent → open. */
  authenticate?: (authorization: string | undefined) => Promise<unknown>;
  publicSearch: boolean;
  catalogueDid: string;
  publicUrl: string;
  pageSize: number;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function participantBody(p: Participant): ParticipantBody {
  return {
    id: p.id,
    did: p.did,
    address: p.address,
    dataSpace: p.dataSpace,
    origin: p.origin,
    intervalSeconds: p.intervalSeconds,
    state: p.state,
    createdAt: new Date(p.createdAt).toISOString(),
    lastAttemptAt: iso(p.lastAttemptAt),
    lastSuccessAt: iso(p.lastSuccessAt),
    lastError: p.lastError,
    lastErrorAt: iso(p.lastErrorAt),
    failures: p.failures,
    nextCrawlAt: new Date(p.nextCrawlAt).toISOString(),
    datasetCount: p.datasetCount,
  };
}

/** Only requests under /v1/catalogue are checked against catalogue.yaml. */
function catalogueValidator(): RequestHandler {
  const validate = openApiValidator(loadOpenApi('catalogue'));
  return (req, res, next) => (req.path.startsWith('/v1/catalogue/') ? validate(req, res, next) : next());
}

function searchQuery(req: Request): SearchQuery {
  const q = req.query as Record<string, unknown>;
  const list = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);
  const query: SearchQuery = {
    q: typeof q.q === 'string' ? q.q : undefined,
    sort: typeof q.sort === 'string' ? q.sort : undefined,
    limit: typeof q.limit === 'number' ? q.limit : undefined,
    offset: typeof q.offset === 'number' ? q.offset : undefined,
    facets: q.facets !== false,
    facetLimit: typeof q.facetLimit === 'number' ? q.facetLimit : undefined,
  };
  for (const f of FACETS) (query as Record<string, unknown>)[f] = list(q[f]);
  return query;
}

function searchHandler(store: FederationStore): RequestHandler {
  return async (req, res) => {
    const r = await store.search(searchQuery(req));
    res.json({
      ...r,
      items: r.items.map((h) => ({
        ...h,
        lastSuccessAt: iso(h.lastSuccessAt),
        crawledAt: new Date(h.crawledAt).toISOString(),
      })),
    });
  };
}

export function federationManagementRouter(deps: FederationHttpDeps): Router {
  const r = Router();
  r.use(catalogueValidator());
  r.get('/v1/catalogue/search', searchHandler(deps.store));

  r.get('/v1/catalogue/participants', async (req, res) => {
    const limit = Number(req.query.limit ?? 100);
    const offset = Number(req.query.offset ?? 0);
    const { items, total } = await deps.store.listParticipants({ limit, offset });
    res.json({ items: items.map(participantBody), total, limit, offset });
  });

  r.post('/v1/catalogue/participants', async (req, res) => {
    const p = await deps.store.addParticipant(req.body as StoreParticipantInput);
    deps.poke();
    res.status(201).json(participantBody(p));
  });

  r.get('/v1/catalogue/participants/:id', async (req, res) => {
    const p = await deps.store.getParticipant(String(req.params.id));
    if (!p) throw new NotFoundError(`no participant ${req.params.id}`);
    res.json(participantBody(p));
  });

  r.delete('/v1/catalogue/participants/:id', async (req, res) => {
    await deps.store.removeParticipant(String(req.params.id));
    res.status(204).end();
  });

  r.post('/v1/catalogue/participants/:id/crawl', async (req, res) => {
    const p = await deps.store.getParticipant(String(req.params.id));
    if (!p) throw new NotFoundError(`no participant ${req.params.id}`);
    const outcome = await deps.crawlNow(p);
    if (!outcome) throw new ConflictError(`participant ${p.id} is being crawled right now`);
    const after = await deps.store.getParticipant(p.id);
    if (!after) throw new NotFoundError(`participant ${p.id} was removed during the crawl`);
    res.json(participantBody(after));
  });

  r.get('/v1/catalogue/crawl-status', async (_req, res) => {
    const { items, total } = await deps.store.listParticipants({ limit: 100_000 });
    const states: Record<string, number> = {};
    for (const p of items) states[p.state] = (states[p.state] ?? 0) + 1;
    res.json({
      participants: total,
      datasets: items.reduce((n, p) => n + p.datasetCount, 0),
      states,
      items: items.map(participantBody),
    });
  });
  return r;
}

/** A DSP error body for the catalogue endpoint. */
function dspError(res: Response, err: unknown) {
  const { status, body } = toErrorResponse(err);
  res.status(status).json(buildCatalogError({ code: body.error, reason: [body.message] }));
}

export function federationProtocolRouter(deps: FederationHttpDeps): Router {
  const r = Router();
  const authenticate: RequestHandler = async (req, res, next) => {
    if (!deps.authenticate) return next();
    try {
      await deps.authenticate(req.headers.authorization);
      next();
    } catch (e) {
      if (e instanceof PontisError && e.status < 500) return dspError(res, e);
      throw e;
    }
  };

  // Public search: participants of the data space (DCP) or anyone when publicSearch.
  r.use(catalogueValidator());
  r.get(
    '/v1/catalogue/search',
    deps.publicSearch
      ? (_req, _res, next) => next()
      : async (req, _res, next) => {
          if (deps.authenticate) await deps.authenticate(req.headers.authorization);
          next();
        },
    searchHandler(deps.store),
  );

  const catalogueId = `${deps.publicUrl}/catalog`;
  r.post('/catalog/request', authenticate, async (req, res) => {
    try {
      // Filters are not supported (the search API is for that); the message must still be one.
      await decodeMessage(req.body, 'CatalogRequestMessage');
      const page = typeof req.query.page === 'string' ? req.query.page : undefined;
      const { catalog, next } = await federatedCatalogPage(deps.store, {
        catalogueDid: deps.catalogueDid,
        catalogueId,
        pageSize: deps.pageSize,
        page,
      });
      if (next) {
        const url = `${deps.publicUrl}/catalog/request?page=${encodePageToken(next)}`;
        res.setHeader('Link', `<${url}>; rel="next"`);
      }
      res.json(catalog);
    } catch (e) {
      dspError(res, e);
    }
  });

  r.get('/catalog/datasets/:id', authenticate, async (req, res) => {
    const found = await deps.store.datasetById(String(req.params.id));
    if (!found) return dspError(res, new NotFoundError(`no dataset ${req.params.id}`));
    res.json({ '@context': dspContext(), ...found.dataset });
  });
  return r;
}
