import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { NotFoundError, PontisError, UnauthorizedError, ValidationError } from '../../errors.js';
import type { VerifiedParticipant } from '../../identity/participant.js';
import { decodeMessage } from '../../protocol/codec.js';
import { buildCatalogError } from '../../protocol/messages/catalog.js';
import { joinUrl } from '../../protocol/messages/common.js';
import { buildVersionResponse, type VersionResponse } from '../../protocol/messages/version.js';
import type { ProviderCatalog } from '../../catalog/provider.js';
import type { IdentityService } from '../../runtime/services.js';
import type { Logger } from 'pino';

export interface CatalogProtocolDeps {
  catalog: ProviderCatalog;
  identity: () => IdentityService | undefined;
  /** The DSP base URL others use (Link headers point under it). */
  dspUrl: string;
  versions: VersionResponse;
  log: Logger;
}

/** The version metadata of this connector: DSP 2025-1 over HTTPS at `path`, authenticated with DCP 1.0. */
export function versionMetadata(input: { path: string; did: string }): VersionResponse {
  return buildVersionResponse({
    path: input.path,
    ...(input.did.startsWith('did:web:') ? { identifierType: 'did:web' } : {}),
    auth: { protocol: 'DCP', version: '1.0', profile: ['vc20-bssl/jwt', 'vc11-sl2021/jwt'] },
  });
}

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

/**
 * DSP catalogue endpoints (POST /catalog/request, GET /catalog/datasets/:id) and the unauthenticated
 * version metadata (GET /.well-known/dspace-version). Every catalogue error answers a CatalogError.
 */
export function catalogProtocolRouter(d: CatalogProtocolDeps): Router {
  const r = Router();

  async function caller(req: Request): Promise<VerifiedParticipant> {
    const identity = d.identity();
    // Without an identity module nobody can be authenticated, so nobody sees anything.
    if (!identity)
      throw new UnauthorizedError('this connector cannot authenticate DSP callers (no identity module)');
    return identity.authenticate(req.headers.authorization);
  }

  r.get('/.well-known/dspace-version', (_req, res) => {
    res.json(d.versions);
  });

  const catalogRoutes = Router();
  catalogRoutes.post(
    '/catalog/request',
    wrap(async (req, res) => {
      const participant = await caller(req);
      const message = await decodeMessage(req.body, 'CatalogRequestMessage');
      const token = req.query.page;
      if (token !== undefined && typeof token !== 'string') {
        throw new ValidationError(
          'invalid page token: give one page parameter',
          { parameter: 'page' },
          'invalid_page_token',
        );
      }
      const page = await d.catalog.page(participant, { filter: message.filter, token });
      const links: string[] = [];
      const href = (t: string) => `${joinUrl(d.dspUrl, 'catalog', 'request')}?page=${encodeURIComponent(t)}`;
      if (page.next) links.push(`<${href(page.next)}>; rel="next"`);
      if (page.previous) links.push(`<${href(page.previous)}>; rel="previous"`);
      if (links.length) res.setHeader('Link', links.join(', '));
      res.json(page.catalog);
    }),
  );
  catalogRoutes.get(
    '/catalog/datasets/:id',
    wrap(async (req, res) => {
      const participant = await caller(req);
      const id = String(req.params.id);
      const dataset = await d.catalog.dataset(participant, id);
      if (!dataset) throw new NotFoundError(`no dataset ${id}`, 'dataset_not_found');
      res.json(dataset);
    }),
  );
  const catalogErrors: ErrorRequestHandler = (err, req, res, _next) => {
    const known = err instanceof PontisError;
    const bodyError = (err as { type?: string; status?: number }).type === 'entity.parse.failed';
    const status = known ? err.status : bodyError ? 400 : 500;
    if (status >= 500) d.log.error({ err, url: req.originalUrl }, 'DSP catalogue request failed');
    const code = known ? err.code : bodyError ? 'invalid_json' : 'internal_error';
    const reason = status >= 500 ? 'internal error' : err instanceof Error ? err.message : String(err);
    res.status(status).json(buildCatalogError({ code, reason: [reason] }));
  };
  catalogRoutes.use(catalogErrors);
  r.use(catalogRoutes);
  return r;
}
