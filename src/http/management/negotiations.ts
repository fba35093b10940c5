/**
 * Management API of contract negotiation: start (consumer), list and query, one negotiation with its
 * history, steps by hand, agreements (list, get, retire) and webhooks. See openapi/management.yaml.
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { NegotiationManager, StartInput } from '../../negotiation/manager.js';
import type { MessageOffer } from '../../protocol/index.js';
import type { PeerCatalogService } from '../../runtime/services.js';
import {
  loadHistory,
  loadNegotiation,
  type AgreementRow,
  type NegotiationRow,
} from '../../negotiation/store.js';
import { allowedSteps, type NegotiationMessageKind } from '../../negotiation/transitions.js';
import type { Database, Queryable } from '../../store/db.js';
import { principalOf } from '../auth.js';
import type { components } from '../generated/management.js';

type Negotiation = components['schemas']['Negotiation'];
type ContractAgreement = components['schemas']['ContractAgreement'];
type StartNegotiation = components['schemas']['StartNegotiation'];
type NegotiationStep = components['schemas']['NegotiationStep'];

const iso = (d: Date | string) => new Date(d).toISOString();

export function toNegotiation(row: NegotiationRow): Negotiation {
  return {
    id: row.id,
    role: row.role,
    state: row.state,
    providerPid: row.provider_pid,
    consumerPid: row.consumer_pid,
    counterPartyId: row.counter_party_did,
    counterPartyAddress: row.counter_party_address,
    datasetId: row.dataset_id,
    offerId: row.offer_id,
    offer: row.offer as Record<string, unknown> | null,
    manual: row.manual,
    agreementId: row.agreement_id,
    termination: row.termination,
    allowedSteps: allowedSteps(row.role, row.state),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toAgreement(a: AgreementRow): ContractAgreement {
  return {
    id: a.id,
    negotiationId: a.negotiation_id,
    role: a.role,
    providerId: a.provider_did,
    consumerId: a.consumer_did,
    datasetId: a.dataset_id,
    assetId: a.asset_id,
    policy: a.policy as Record<string, unknown>,
    digest: a.digest,
    signedAt: iso(a.signed_at),
    retired: a.retired_at !== null,
    retiredAt: a.retired_at ? iso(a.retired_at) : null,
  };
}

const SORT: Record<string, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  state: 'state',
  signedAt: 'signed_at',
};

function orderBy(sort: unknown, fallback: string, table = ''): string {
  const s = typeof sort === 'string' && sort !== '' ? sort : fallback;
  const desc = s.startsWith('-');
  const col = SORT[desc ? s.slice(1) : s] ?? 'created_at';
  return `${table}${col} ${desc ? 'DESC' : 'ASC'}, ${table}id`;
}

/** Builds `WHERE` from optional filters; returns the clause and parameters. */
function where(filters: [string, unknown][]): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [cond, value] of filters) {
    if (value === undefined || value === null || value === '') continue;
    params.push(value);
    parts.push(cond.replace('?', `$${params.length}`));
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

async function page<T>(
  q: Queryable,
  from: string,
  w: { sql: string; params: unknown[] },
  order: string,
  limit: number,
  offset: number,
) {
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from} ${w.sql}`, w.params);
  const rows = await q.query<T>(
    `SELECT * FROM ${from} ${w.sql} ORDER BY ${order} LIMIT $${w.params.length + 1} OFFSET $${w.params.length + 2}`,
    [...w.params, limit, offset],
  );
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/**
 * What `POST /v1/negotiations` needs beyond its body: the provider's DSP address from its DID and
 * an offer from its catalogue, when the caller gives only their ids.
 */
export async function resolveStart(
  body: StartNegotiation,
  peers: PeerCatalogService | undefined,
): Promise<StartInput> {
  const did = body.counterPartyId ?? body.providerId;
  const given = body.counterPartyAddress ?? body.connectorAddress;
  if (!did)
    throw new ValidationError("give counterPartyId: the provider's DID", { pointer: '/counterPartyId' });
  if (!body.offer && !(body.offerId && body.datasetId)) {
    throw new ValidationError(
      "give the offer, or offerId and datasetId to look it up in the provider's catalogue",
      {
        pointer: '/offer',
      },
    );
  }
  const noPeers = () =>
    new ValidationError(
      "this connector has no catalogue module to read the provider's DID or catalogue: give counterPartyAddress and offer",
      {
        pointer: '/counterPartyAddress',
      },
    );
  if (!given && !peers) throw noPeers();
  const address = given ?? (await peers!.dspAddress(did));
  let offer = body.offer as MessageOffer | undefined;
  if (!offer) {
    if (!peers) throw noPeers();
    offer = (await peers.offer({
      address,
      did,
      datasetId: body.datasetId!,
      offerId: body.offerId!,
    })) as MessageOffer;
  } else if (body.offerId && offer['@id'] !== body.offerId) {
    throw new ValidationError(`offerId ${body.offerId} differs from the offer's @id ${offer['@id']}`, {
      pointer: '/offerId',
    });
  }
  return {
    counterPartyAddress: address,
    counterPartyId: did,
    offer,
    datasetId: body.datasetId,
    manual: body.manual,
  };
}

export function negotiationManagementRouter(
  manager: NegotiationManager,
  db: Database,
  peers: () => PeerCatalogService | undefined = () => undefined,
): Router {
  const r = Router();

  r.post('/v1/negotiations', async (req, res) => {
    const input = await resolveStart(req.body as StartNegotiation, peers());
    const row = await manager.start(input, principalOf(res).id);
    res.status(201).json(toNegotiation(row));
  });

  r.get('/v1/negotiations', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const limit = Number(q.limit ?? 50);
    const offset = Number(q.offset ?? 0);
    const w = where([
      ['state = ?', q.state],
      ['role = ?', q.role],
      ['counter_party_did = ?', q.counterPartyId],
      ['dataset_id = ?', q.datasetId],
      ['created_at >= ?', q.since],
      ['created_at < ?', q.until],
    ]);
    const { rows, total } = await page<NegotiationRow>(
      db,
      'negotiations',
      w,
      orderBy(q.sort, '-createdAt'),
      limit,
      offset,
    );
    res.json({ items: rows.map(toNegotiation), total, limit, offset });
  });

  r.get('/v1/negotiations/:id', async (req, res) => {
    const row = await loadNegotiation(db, req.params.id);
    if (!row) throw new NotFoundError(`no negotiation ${req.params.id}`);
    const history = await loadHistory(db, row.id);
    res.json({
      ...toNegotiation(row),
      history: history.map((h) => ({
        from: h.from_state,
        to: h.to_state,
        message: h.message,
        direction: h.direction,
        actor: h.actor,
        body: h.body,
        reason: h.reason,
        at: iso(h.at),
      })),
    });
  });

  r.post('/v1/negotiations/:id/:step', async (req, res) => {
    const body = (req.body ?? {}) as NegotiationStep;
    const row = await manager.step(
      req.params.id,
      req.params.step as NegotiationMessageKind,
      { offer: body.offer as never, code: body.code, reason: body.reason },
      principalOf(res).id,
    );
    res.json(toNegotiation(row));
  });

  // Agreements are listed once their negotiation is FINALIZED (before that they are not in force).
  const agreementsFrom = `(SELECT a.*, n.state FROM agreements a JOIN negotiations n ON n.id = a.negotiation_id WHERE n.state = 'FINALIZED') x`;

  r.get('/v1/agreements', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const limit = Number(q.limit ?? 50);
    const offset = Number(q.offset ?? 0);
    const counterParty = q.counterPartyId;
    const w = where([
      ['role = ?', q.role],
      ["(CASE WHEN role = 'provider' THEN consumer_did ELSE provider_did END) = ?", counterParty],
      ['dataset_id = ?', q.datasetId],
      [
        q.retired === true ? 'retired_at IS NOT NULL AND ? ' : 'retired_at IS NULL AND ?',
        q.retired === undefined ? undefined : true,
      ],
    ]);
    const { rows, total } = await page<AgreementRow>(
      db,
      agreementsFrom,
      w,
      orderBy(q.sort, '-signedAt'),
      limit,
      offset,
    );
    res.json({ items: rows.map(toAgreement), total, limit, offset });
  });

  const getAgreement = async (id: string) => {
    const r2 = await db.query<AgreementRow>(`SELECT * FROM ${agreementsFrom} WHERE id = $1`, [id]);
    const a = r2.rows[0];
    if (!a) throw new NotFoundError(`no agreement ${id}`);
    return a;
  };

  r.get('/v1/agreements/:id', async (req, res) => {
    res.json(toAgreement(await getAgreement(req.params.id)));
  });

  r.post('/v1/agreements/:id/retire', async (req, res) => {
    const a = await getAgreement(req.params.id);
    if (a.retired_at) throw new ConflictError(`agreement ${a.id} was retired at ${iso(a.retired_at)}`);
    await db.query(
      `UPDATE agreements SET retired_at = now(), retired_by = $2 WHERE id = $1 AND retired_at IS NULL`,
      [a.id, principalOf(res).id],
    );
    res.json(toAgreement(await getAgreement(a.id)));
  });

  r.get('/v1/negotiation-webhooks', async (_req, res) => {
    const rows = await db.query<{ id: string; url: string; created_at: Date }>(
      'SELECT * FROM negotiation_webhooks ORDER BY created_at, id',
    );
    res.json({ items: rows.rows.map((h) => ({ id: h.id, url: h.url, createdAt: iso(h.created_at) })) });
  });

  r.post('/v1/negotiation-webhooks', async (req, res) => {
    const { url } = req.body as { url: string };
    const rows = await db.query<{ id: string; url: string; created_at: Date }>(
      'INSERT INTO negotiation_webhooks (id, url) VALUES ($1, $2) RETURNING *',
      [randomUUID(), url],
    );
    const h = rows.rows[0]!;
    manager.webhooksChanged();
    res.status(201).json({ id: h.id, url: h.url, createdAt: iso(h.created_at) });
  });

  r.delete('/v1/negotiation-webhooks/:id', async (req, res) => {
    const d = await db.query('DELETE FROM negotiation_webhooks WHERE id = $1', [req.params.id]);
    if (d.rowCount === 0) throw new NotFoundError(`no webhook ${req.params.id}`);
    manager.webhooksChanged();
    res.status(204).end();
  });

  return r;
}
