/**
 * Management routes of the transfer process (openapi/management.yaml, tag `transfers`), both sides:
 * list and read transfers, the operator's steps (409 with the reason when not allowed), and on the
 * consumer side: request a transfer, read the EDR, and a data proxy that adds and refreshes the token.
 */
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ConflictError, NotFoundError } from '../../errors.js';
import { principalOf } from '../auth.js';
import type { EdrClient } from '../../transfer/edr.js';
import { PULL } from '../../transfer/manager.js';
import type { TransferManager } from '../../transfer/manager.js';
import { historyOf, listTransfers } from '../../transfer/repository.js';
import type { TransferQuery, TransferRecord } from '../../transfer/repository.js';
import type { Queryable } from '../../store/db.js';
import { buildDataAddress } from '../../protocol/index.js';
import type { TransferState } from '../../protocol/index.js';

export interface TransferManagementDeps {
  manager: TransferManager;
  edr: EdrClient;
  db: Queryable;
  /** Uses the data plane of this process has reserved ahead for a transfer and not yet served. */
  unusedReserved?: (transferId: string) => number;
}

/** `unused`: uses reserved ahead and not served, left out of `usageCount`. */
function transferJson(t: TransferRecord, unused = 0) {
  return {
    id: t.id,
    role: t.role,
    state: t.state,
    providerPid: t.providerPid,
    consumerPid: t.consumerPid,
    agreementId: t.agreementId,
    assetId: t.assetId,
    format: t.format,
    counterPartyDid: t.counterPartyDid,
    counterPartyAddress: t.counterPartyAddress,
    usageCount: Math.max(0, t.usageCount - unused),
    manual: t.manual,
    ...(t.reason !== null && t.reason !== undefined ? { reason: t.reason } : {}),
    error: t.errorDetail,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) =>
    void fn(req, res).catch(next);

const PASSED_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'last-modified',
  'content-encoding',
];

export function transferManagementRouter(deps: TransferManagementDeps): Router {
  const json = (t: TransferRecord) => transferJson(t, deps.unusedReserved?.(t.id) ?? 0);
  const r = Router();

  r.get(
    '/v1/transfers',
    wrap(async (req, res) => {
      const q = req.query as Record<string, string | number | undefined>;
      const query: TransferQuery = {
        role: q.role as TransferQuery['role'],
        state: q.state as TransferState | undefined,
        agreementId: q.agreementId as string | undefined,
        counterPartyDid: q.counterPartyDid as string | undefined,
        limit: Number(q.limit ?? 50),
        offset: Number(q.offset ?? 0),
        sort: q.sort as string | undefined,
      };
      const page = await listTransfers(deps.db, query);
      res.json({
        items: page.items.map(json),
        total: page.total,
        limit: query.limit,
        offset: query.offset,
      });
    }),
  );

  r.post(
    '/v1/transfers',
    wrap(async (req, res) => {
      const b = req.body as {
        agreementId: string;
        format?: string;
        counterPartyAddress?: string;
        connectorAddress?: string;
        counterPartyDid?: string;
        providerId?: string;
        dataAddress?: {
          endpointType?: string;
          endpoint: string;
          endpointProperties?: { name: string; value: string }[];
        };
      };
      const t = await deps.manager.request({
        agreementId: b.agreementId,
        format: b.format ?? PULL,
        counterPartyAddress: b.counterPartyAddress ?? b.connectorAddress,
        counterPartyDid: b.counterPartyDid ?? b.providerId,
        dataAddress: b.dataAddress
          ? buildDataAddress({
              endpointType: b.dataAddress.endpointType ?? 'https://w3id.org/idsa/v4.1/HTTP',
              endpoint: b.dataAddress.endpoint,
              endpointProperties: b.dataAddress.endpointProperties ?? [],
            })
          : undefined,
        actor: principalOf(res).id,
      });
      res.status(201).json(json(t));
    }),
  );

  r.get(
    '/v1/transfers/:id',
    wrap(async (req, res) => {
      const t = await deps.manager.get(req.params.id as string);
      if (!t) throw new NotFoundError(`no transfer ${req.params.id}`);
      res.json({
        ...json(t),
        history: (await historyOf(deps.db, t.id)).map((h) => ({ ...h, at: h.at.toISOString() })),
      });
    }),
  );

  r.get(
    '/v1/transfers/:id/edr',
    wrap(async (req, res) => {
      const id = req.params.id as string;
      if (!(await deps.manager.get(id))) throw new NotFoundError(`no transfer ${id}`);
      const { edr } = await deps.edr.fresh(id);
      res.setHeader('cache-control', 'no-store');
      res.json({
        transferId: id,
        endpoint: edr.endpoint,
        authorization: edr.authorization,
        authType: edr.authType,
        ...(edr.expiresAt ? { expiresAt: edr.expiresAt.toISOString() } : {}),
      });
    }),
  );

  const proxy = wrap(async (req, res) => {
    const id = req.params.id as string;
    if (!(await deps.manager.get(id))) throw new NotFoundError(`no transfer ${id}`);
    // Raw segments after /v1/transfers/{id}/data, as the client wrote them (passed on unchanged).
    const qi = req.originalUrl.indexOf('?');
    const rawPath = qi >= 0 ? req.originalUrl.slice(0, qi) : req.originalUrl;
    const subPath = rawPath.split('/').slice(5).join('/');
    const headers: Record<string, string> = {};
    for (const h of ['range', 'x-purpose', 'accept', 'if-none-match']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const upstream = await deps.edr.open(id, {
      subPath,
      query: qi >= 0 ? req.originalUrl.slice(qi) : '',
      method: req.method === 'HEAD' ? 'HEAD' : 'GET',
      headers,
    });
    res.status(upstream.statusCode ?? 502);
    for (const h of PASSED_HEADERS) {
      const v = upstream.headers[h];
      if (typeof v === 'string') res.setHeader(h, v);
    }
    await pipeline(upstream, res).catch(() => {
      if (!res.writableEnded) res.destroy();
    });
  });
  r.get('/v1/transfers/:id/data', proxy);
  r.get('/v1/transfers/:id/data/*rest', proxy);

  r.post(
    '/v1/transfers/:id/:action',
    wrap(async (req, res) => {
      const id = req.params.id as string;
      const action = req.params.action as string;
      const body = (req.body ?? {}) as { code?: string; reason?: string };
      const actor = principalOf(res).id;
      const t = await deps.manager.get(id);
      if (!t) throw new NotFoundError(`no transfer ${id}`);
      if (action === 'start' && t.role !== 'provider') {
        throw new ConflictError(
          'only the provider starts a transfer; a consumer resumes a suspended one',
          { state: t.state, role: t.role },
          'wrong_role',
        );
      }
      if (action === 'resume' && t.state !== 'SUSPENDED') {
        throw new ConflictError(
          `transfer ${id} is ${t.state}; only a SUSPENDED transfer can be resumed`,
          { state: t.state },
          'invalid_transition',
        );
      }
      const event = (
        {
          start: 'start',
          resume: 'start',
          suspend: 'suspend',
          complete: 'complete',
          terminate: 'terminate',
        } as const
      )[action as 'start'];
      if (!event) throw new NotFoundError(`no action ${action}`);
      const after = await deps.manager.act(id, event, actor, { code: body.code, reason: body.reason });
      res.json(json(after));
    }),
  );

  return r;
}
