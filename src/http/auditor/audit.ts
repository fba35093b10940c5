import { Router } from 'express';
import type { Request, Response } from 'express';
import type { AuditEntryFilter, AuditLog, StoredTreeHead } from '../../audit/log.js';
import type { SignedTreeHead } from '../../audit/tree-head.js';
import { getAuditEntry, listAuditEntries } from '../../audit/log.js';
import type { Queryable } from '../../store/db.js';

type Query = Record<string, unknown>;

const int = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const date = (v: unknown): Date | undefined => (typeof v === 'string' ? new Date(v) : undefined);

function filterOf(q: Query): AuditEntryFilter {
  const f: AuditEntryFilter = {
    fromSeq: int(q.from),
    toSeq: int(q.to),
    negotiationId: str(q.negotiationId),
    agreementId: str(q.agreementId),
    transferId: str(q.transferId),
    participant: str(q.participant),
    assetId: str(q.assetId),
    type: str(q.type),
    actor: str(q.actor),
    since: date(q.since),
    until: date(q.until),
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as AuditEntryFilter;
}

const headBody = ({ id: _id, ...head }: StoredTreeHead): SignedTreeHead => head;

/**
 * The auditor API (openapi/auditor.yaml), mounted at /v1/audit behind the auditor credential.
 * Query and path values arrive validated and coerced by the OpenAPI validator.
 */
export function auditorRouter(db: Queryable, log: AuditLog): Router {
  const r = Router();
  const wrap =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: (e?: unknown) => void) =>
      void fn(req, res).catch(next);

  r.get(
    '/entries',
    wrap(async (req, res) => {
      const q = req.query as Query;
      const limit = int(q.limit) ?? 100;
      const offset = int(q.offset) ?? 0;
      const { items, total } = await listAuditEntries(db, filterOf(q), { limit, offset });
      res.json({ items, total, limit, offset });
    }),
  );

  r.get(
    '/entries/:seq',
    wrap(async (req, res) => {
      res.json(await getAuditEntry(db, Number(req.params.seq)));
    }),
  );

  r.get(
    '/entries/:seq/inclusion-proof',
    wrap(async (req, res) => {
      const seq = Number(req.params.seq);
      const treeSize = int((req.query as Query).treeSize);
      if (treeSize !== undefined) {
        res.json(await log.inclusionProof(seq, treeSize));
        return;
      }
      await getAuditEntry(db, seq); // 404 for an entry that does not exist
      const head = await log.treeHeadCovering(seq);
      res.json({ ...(await log.inclusionProof(seq, head.treeSize)), treeHead: head.jws });
    }),
  );

  r.get(
    '/consistency-proof',
    wrap(async (req, res) => {
      const q = req.query as Query;
      res.json(await log.consistencyProof(int(q.first)!, int(q.second)));
    }),
  );

  r.get(
    '/tree-heads',
    wrap(async (req, res) => {
      const q = req.query as Query;
      const limit = int(q.limit) ?? 100;
      const offset = int(q.offset) ?? 0;
      const { items, total } = await log.treeHeads(
        { minSize: int(q.minSize), maxSize: int(q.maxSize) },
        { limit, offset },
      );
      res.json({ items: items.map(headBody), total, limit, offset });
    }),
  );

  r.get(
    '/tree-heads/latest',
    wrap(async (req, res) => {
      const fresh = [true, 'true'].includes((req.query as Query).fresh as string);
      const head = fresh
        ? await log.signTreeHead()
        : ((await log.latestTreeHead()) ?? (await log.signTreeHead()));
      res.json(headBody(head));
    }),
  );

  r.get(
    '/export',
    wrap(async (req, res) => {
      let closed = false;
      req.on('close', () => (closed = true));
      const lines = log.export();
      // Sign the header's head before the status line goes out, so a failure is still a JSON error.
      const first = await lines.next();
      res.status(200).type('application/x-ndjson');
      res.setHeader('Content-Disposition', 'attachment; filename="pontis-audit.jsonl"');
      if (!first.done) res.write(first.value);
      for await (const chunk of lines) {
        if (closed) break;
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    }),
  );

  r.get(
    '/receipts/:agreementId',
    wrap(async (req, res) => {
      res.json(await log.receipt(String(req.params.agreementId)));
    }),
  );

  return r;
}
