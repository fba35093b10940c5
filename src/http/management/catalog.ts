import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { components, operations } from '../generated/management.js';
import { NotFoundError } from '../../errors.js';
import { principalOf } from '../auth.js';
import type { AssetInput } from '../../catalog/assets.js';
import type { AssetRules, ChangeContext, OfferInput } from '../../catalog/store.js';
import {
  createAsset,
  createOffer,
  deleteAsset,
  deleteOffer,
  getAsset,
  getOffer,
  listAssets,
  listOffers,
  updateAsset,
  updateOffer,
} from '../../catalog/store.js';
import type { RemoteCatalogClient } from '../../catalog/remote.js';
import type { Database } from '../../store/db.js';
import type { AuditService, PolicyService } from '../../runtime/services.js';

type AssetQuery = NonNullable<operations['listAssets']['parameters']['query']>;
type OfferQuery = NonNullable<operations['listOffers']['parameters']['query']>;
type RemoteRequest = components['schemas']['RemoteCatalogRequest'];

export interface CatalogManagementDeps {
  db: Database;
  rules: AssetRules;
  policies: () => PolicyService | undefined;
  audit: () => AuditService | undefined;
  remote: RemoteCatalogClient;
  /** Called after every change of an asset or offer definition (the DSP catalogue caches them briefly). */
  catalogChanged: () => void;
}

/** The validator has coerced and defaulted these; numbers again in case a value arrives as text. */
const paging = (q: { limit?: number; offset?: number }) => ({
  limit: Number(q.limit ?? 50),
  offset: Number(q.offset ?? 0),
});

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

/** Assets, offer definitions and remote catalogues on the management API (openapi/management.yaml). */
export function catalogManagementRouter(d: CatalogManagementDeps): Router {
  const r = Router();
  const change = (res: Response): ChangeContext => ({ actor: principalOf(res).id, audit: d.audit() });
  const id = (req: Request) => String(req.params.id);

  r.get(
    '/v1/assets',
    wrap(async (req, res) => {
      const q = req.query as AssetQuery;
      res.json(await listAssets(d.db, { ...q, ...paging(q) }));
    }),
  );
  r.post(
    '/v1/assets',
    wrap(async (req, res) => {
      const asset = await createAsset(d.db, req.body as AssetInput, d.rules, change(res));
      d.catalogChanged();
      res.status(201).json(asset);
    }),
  );
  r.get(
    '/v1/assets/:id',
    wrap(async (req, res) => {
      const asset = await getAsset(d.db, id(req));
      if (!asset) throw new NotFoundError(`no asset ${id(req)}`);
      res.json(asset);
    }),
  );
  r.put(
    '/v1/assets/:id',
    wrap(async (req, res) => {
      const asset = await updateAsset(d.db, id(req), req.body as AssetInput, d.rules, change(res));
      d.catalogChanged();
      res.json(asset);
    }),
  );
  r.delete(
    '/v1/assets/:id',
    wrap(async (req, res) => {
      await deleteAsset(d.db, id(req), change(res));
      d.catalogChanged();
      res.status(204).end();
    }),
  );

  r.get(
    '/v1/offers',
    wrap(async (req, res) => {
      const q = req.query as OfferQuery;
      res.json(await listOffers(d.db, { ...q, ...paging(q) }));
    }),
  );
  r.post(
    '/v1/offers',
    wrap(async (req, res) => {
      const offer = await createOffer(d.db, req.body as OfferInput, d.policies(), change(res));
      d.catalogChanged();
      res.status(201).json(offer);
    }),
  );
  r.get(
    '/v1/offers/:id',
    wrap(async (req, res) => {
      const offer = await getOffer(d.db, id(req));
      if (!offer) throw new NotFoundError(`no offer definition ${id(req)}`);
      res.json(offer);
    }),
  );
  r.put(
    '/v1/offers/:id',
    wrap(async (req, res) => {
      const offer = await updateOffer(d.db, id(req), req.body as OfferInput, d.policies(), change(res));
      d.catalogChanged();
      res.json(offer);
    }),
  );
  r.delete(
    '/v1/offers/:id',
    wrap(async (req, res) => {
      await deleteOffer(d.db, id(req), change(res));
      d.catalogChanged();
      res.status(204).end();
    }),
  );

  r.post(
    '/v1/catalog/request',
    wrap(async (req, res) => {
      res.json(await d.remote.fetch(req.body as RemoteRequest));
    }),
  );
  return r;
}
