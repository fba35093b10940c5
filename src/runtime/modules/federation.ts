import { Crawler, defaultCrawlerOptions, type CrawlerDeps } from '../../catalog/federation/crawler.js';
import { createCatalogPageFetcher, type FetchCatalogPage } from '../../catalog/federation/fetch.js';
import { createFederationStore, type FederationStore } from '../../catalog/federation/store.js';
import type { Config } from '../../config/index.js';
import { ForbiddenError, PeerError } from '../../errors.js';
import { discoveryRouter } from '../../http/catalogue/discovery.js';
import { federationManagementRouter, federationProtocolRouter } from '../../http/catalogue/federation.js';
import { createDspClient, findDsp2025Version } from '../../protocol/index.js';
import { dspBaseFromDidDocument } from '../../catalog/remote.js';
import { didWebToUrl } from '../../identity/did.js';
import { createFetchJson } from '../../identity/http.js';
import { createDidResolver } from '../../identity/resolver.js';
import type { ModuleContext, ModuleFactory } from '../module.js';

export interface FederationOverrides {
  /** Replaces the identity service's participant verification (tests). */
  verifyParticipant?: (did: string) => Promise<void>;
  fetchPage?: FetchCatalogPage;
  resolveEndpoint?: (did: string) => Promise<string>;
  /** Skip DCP on outgoing catalogue requests even when identity is there (tests of peers without identity). */
  noAuthorization?: boolean;
}

export function crawlerOptionsFrom(config: Config): CrawlerDeps['options'] {
  const c = config.catalogue;
  return {
    ...defaultCrawlerOptions,
    intervalMs: c.crawlIntervalSeconds * 1000,
    concurrency: c.concurrency,
    timeoutMs: c.timeoutMs,
    backoffBaseMs: c.backoffBaseSeconds * 1000,
    backoffMaxMs: c.backoffMaxSeconds * 1000,
  };
}

/** The crawler's dependencies from a module context (shared by the module and `pontis catalogue crawl`). */
export function crawlerDeps(
  ctx: Pick<ModuleContext, 'config' | 'db' | 'services' | 'assertAllowedUrl' | 'fetch' | 'instanceId'> & {
    log?: CrawlerDeps['log'];
  },
  store: FederationStore,
  overrides: FederationOverrides = {},
): CrawlerDeps {
  const { config } = ctx;
  const identity = ctx.services.identity;
  const resolver = createDidResolver({
    fetchJson: createFetchJson({ timeoutMs: config.catalogue.timeoutMs, fetch: ctx.fetch }),
    allowHttpLoopback: config.identity.allowHttpDidWeb,
    ttlMs: config.identity.didCacheTtlMs,
  });
  const versions = createDspClient({
    getToken: async () => '',
    assertAllowedUrl: ctx.assertAllowedUrl,
    fetch: ctx.fetch,
    timeoutMs: config.catalogue.timeoutMs,
  });
  const resolveEndpoint = async (did: string) => {
    if (did.startsWith('did:web:')) {
      await ctx.assertAllowedUrl(
        didWebToUrl(did, { allowHttpLoopback: config.identity.allowHttpDidWeb }).toString(),
      );
    }
    const doc = await resolver.resolve(did);
    // The catalogue engineer's reading of DID service entries (CatalogService, else DataService).
    const found = dspBaseFromDidDocument(doc, did);
    if (found.catalogBase) return found.catalogBase;
    // A DataService entry names the version metadata or the connector's base URL.
    const endpoint = found.versionUrl!;
    const origin = new URL(endpoint).origin;
    const named = /\/\.well-known\/dspace-version\/?$/.test(endpoint);
    try {
      const entry = findDsp2025Version(await versions.getVersions(origin));
      if (entry)
        return origin + (entry.path.startsWith('/') ? entry.path : `/${entry.path}`).replace(/\/+$/, '');
    } catch (e) {
      if (named) throw e;
    }
    if (named) throw new PeerError(`${endpoint} lists no DSP 2025-1 HTTPS endpoint`, { did });
    return endpoint.replace(/\/+$/, '');
  };
  const verifyParticipant =
    overrides.verifyParticipant ??
    (identity?.verifyParticipant
      ? async (did: string) => {
          await identity.verifyParticipant!(did);
        }
      : async () => {
          // Fail closed: without a way to check credentials, nobody counts as trusted.
          throw new ForbiddenError(
            'this catalogue cannot verify participants: the identity service offers no verifyParticipant',
          );
        });
  return {
    store,
    db: ctx.db,
    owner: ctx.instanceId,
    fetchPage:
      overrides.fetchPage ??
      createCatalogPageFetcher({ assertAllowedUrl: ctx.assertAllowedUrl, fetch: ctx.fetch }),
    authorizationFor:
      identity && !overrides.noAuthorization ? (did) => identity.authorizationFor(did) : undefined,
    verifyParticipant,
    resolveEndpoint: overrides.resolveEndpoint ?? resolveEndpoint,
    dataSpace: config.catalogue.dataSpace,
    options: crawlerOptionsFrom(config),
    log: ctx.log,
  };
}

/**
 * The catalogue role's federation: registry (configuration + API), crawler, index, search API and
 * the DSP catalogue endpoint serving the federated catalogue. Build after identity.
 */
export function createFederationModule(overrides: FederationOverrides = {}): ModuleFactory {
  return async (ctx) => {
    const store = createFederationStore(ctx.db);
    await store.syncConfigured(ctx.config.catalogue.participants);
    const crawler = new Crawler(crawlerDeps(ctx, store, overrides));
    ctx.services.federation = { crawlAll: (hooks) => crawler.crawlAll(hooks) };
    const identity = ctx.services.identity;
    const http = {
      store,
      crawlNow: (p: Parameters<Crawler['crawlOne']>[0]) => crawler.crawlOne(p),
      poke: () => crawler.poke(),
      authenticate: identity ? (a: string | undefined) => identity.authenticate(a) : undefined,
      publicSearch: ctx.config.catalogue.publicSearch,
      catalogueDid: ctx.services.did,
      publicUrl: ctx.urls.public,
      pageSize: ctx.config.catalogue.pageSize,
    };
    return {
      name: 'federation',
      management: federationManagementRouter(http),
      protocol: federationProtocolRouter(http),
      start() {
        if (ctx.config.catalogue.crawl) crawler.start();
      },
      stop: () => crawler.stop(),
    };
  };
}

export const federationModule: ModuleFactory = createFederationModule();

/**
 * A connector's use of the data space catalogue (catalogue.url): search it and start a negotiation
 * from a result, on the management API. Build after negotiation.
 */
export const discoveryModule: ModuleFactory = (ctx) => {
  const { config, services } = ctx;
  const catalogueDid = config.catalogue.did;
  return {
    name: 'discovery',
    management: discoveryRouter({
      catalogueUrl: config.catalogue.url,
      catalogueAuthorization: async () =>
        services.identity && catalogueDid ? services.identity.authorizationFor(catalogueDid) : undefined,
      assertAllowedUrl: ctx.assertAllowedUrl,
      timeoutMs: config.network.timeoutMs,
      dsp: createDspClient({
        getToken: async (did) => {
          if (!services.identity || !did)
            throw new ForbiddenError('no identity to authenticate with the provider');
          return services.identity.authorizationFor(did);
        },
        assertAllowedUrl: ctx.assertAllowedUrl,
        transport: ctx.transport,
        timeoutMs: config.network.timeoutMs,
      }),
      start: services.negotiations?.start
        ? (input, actor) => services.negotiations!.start!(input, actor)
        : undefined,
    }),
  };
};
