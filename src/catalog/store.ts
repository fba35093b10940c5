/**
 * Assets and offer definitions in the store: create, read, list (paging, filters, sorting), update,
 * delete. Every change is one transaction with its audit entry (when an audit service is given).
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Database, Queryable } from '../store/db.js';
import type { AuditService, PolicyService } from '../runtime/services.js';
import type { Asset, AssetInput, DataAddress, SecretSources } from './assets.js';
import { checkDataAddress, checkId, datasetNodeParts, normalizeMetadata } from './assets.js';
import type { AssetSelector } from './selector.js';
import { checkSelector } from './selector.js';
import { checkPolicyJson } from './policies.js';

export interface ChangeContext {
  actor: string;
  audit?: AuditService;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface ListOptions {
  limit: number;
  offset: number;
  sort?: string;
}

interface AssetRow {
  id: string;
  metadata: Record<string, unknown>;
  properties: Record<string, string | number | boolean>;
  data_address: DataAddress;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toAsset(r: AssetRow): Asset {
  return {
    ...(r.metadata as unknown as Asset),
    id: r.id,
    properties: r.properties,
    dataAddress: r.data_address,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function orderBy(sort: string | undefined, columns: Record<string, string>, def: string): string {
  const s = sort ?? def;
  const desc = s.startsWith('-');
  const name = desc ? s.slice(1) : s;
  const col = columns[name];
  if (!col) {
    throw new ValidationError(
      `sort: '${name}' is not sortable (one of ${Object.keys(columns).join(', ')}, '-' in front for descending)`,
      { in: 'query', pointer: '/sort' },
    );
  }
  const dir = desc ? 'DESC' : 'ASC';
  return col === 'id' ? `id ${dir}` : `${col} ${dir}, id ${dir}`;
}

async function audit(
  tx: Queryable,
  ctx: ChangeContext,
  subjects: Record<string, string>,
  content: Record<string, unknown>,
) {
  await ctx.audit?.append(tx, { type: 'management.change', actor: ctx.actor, subjects, content });
}

export interface AssetRules {
  fileRoot?: string;
  secrets: SecretSources;
}

function assetColumns(input: AssetInput, rules: AssetRules) {
  checkDataAddress(input.dataAddress, rules);
  const metadata = normalizeMetadata(input);
  return {
    metadata,
    keywords: (metadata.keywords ?? []).map((k) => k.toLowerCase()),
    themes: metadata.themes ?? [],
    dataset: datasetNodeParts(metadata),
    properties: input.properties ?? {},
  };
}

const ASSET_COLUMNS = 'id, metadata, properties, data_address, version, created_at, updated_at';

export async function createAsset(
  db: Database,
  input: AssetInput,
  rules: AssetRules,
  ctx: ChangeContext,
): Promise<Asset> {
  const id = input.id ?? randomUUID();
  checkId(id);
  const c = assetColumns(input, rules);
  return db.transaction(async (tx) => {
    const r = await tx.query<AssetRow>(
      `INSERT INTO catalog_assets (id, title, keywords, themes, metadata, properties, dataset, data_address)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO NOTHING
       RETURNING ${ASSET_COLUMNS}`,
      [
        id,
        c.metadata.title,
        c.keywords,
        c.themes,
        JSON.stringify(c.metadata),
        JSON.stringify(c.properties),
        JSON.stringify(c.dataset),
        JSON.stringify(input.dataAddress),
      ],
    );
    if (r.rows.length === 0) throw new ConflictError(`an asset with id ${id} exists already`, { id });
    // The data address is described, never copied into the log (it may name internal hosts).
    await audit(tx, ctx, { assetId: id }, { action: 'asset.create', metadata: c.metadata });
    return toAsset(r.rows[0]!);
  });
}

export async function getAsset(db: Queryable, id: string): Promise<Asset | undefined> {
  const r = await db.query<AssetRow>(`SELECT ${ASSET_COLUMNS} FROM catalog_assets WHERE id = $1`, [id]);
  return r.rows[0] && toAsset(r.rows[0]);
}

export async function updateAsset(
  db: Database,
  id: string,
  input: AssetInput,
  rules: AssetRules,
  ctx: ChangeContext,
): Promise<Asset> {
  if (input.id !== undefined && input.id !== id) {
    throw new ValidationError(`/id: the body's id ${input.id} differs from the path's ${id}`, {
      pointer: '/id',
    });
  }
  const c = assetColumns(input, rules);
  return db.transaction(async (tx) => {
    const r = await tx.query<AssetRow>(
      `UPDATE catalog_assets SET title = $2, keywords = $3, themes = $4, metadata = $5, properties = $6,
         dataset = $7, data_address = $8, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${ASSET_COLUMNS}`,
      [
        id,
        c.metadata.title,
        c.keywords,
        c.themes,
        JSON.stringify(c.metadata),
        JSON.stringify(c.properties),
        JSON.stringify(c.dataset),
        JSON.stringify(input.dataAddress),
      ],
    );
    if (r.rows.length === 0) throw new NotFoundError(`no asset ${id}`);
    await audit(tx, ctx, { assetId: id }, { action: 'asset.update', metadata: c.metadata });
    return toAsset(r.rows[0]!);
  });
}

export async function deleteAsset(db: Database, id: string, ctx: ChangeContext): Promise<void> {
  await db.transaction(async (tx) => {
    const r = await tx.query('DELETE FROM catalog_assets WHERE id = $1', [id]);
    if (r.rowCount === 0) throw new NotFoundError(`no asset ${id}`);
    await audit(tx, ctx, { assetId: id }, { action: 'asset.delete' });
  });
}

export interface AssetFilters {
  /** Substring of the title or description, case-insensitive. */
  q?: string;
  keyword?: string;
  theme?: string;
  idPrefix?: string;
}

export async function listAssets(db: Queryable, options: ListOptions & AssetFilters): Promise<Page<Asset>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  const likeEscape = (s: string) => s.replace(/[\\%_]/g, '\\$&');
  if (options.q) {
    const q = p(`%${likeEscape(options.q)}%`);
    where.push(`(title ILIKE ${q} OR metadata->>'description' ILIKE ${q})`);
  }
  if (options.keyword) where.push(`keywords @> ARRAY[${p(options.keyword.toLowerCase())}::text]`);
  if (options.theme) where.push(`themes @> ARRAY[${p(options.theme)}::text]`);
  if (options.idPrefix) where.push(`id LIKE ${p(likeEscape(options.idPrefix) + '%')}`);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const order = orderBy(
    options.sort,
    { id: 'id', title: 'title', createdAt: 'created_at', updatedAt: 'updated_at' },
    'id',
  );
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM catalog_assets ${w}`, params);
  const rows = await db.query<AssetRow>(
    `SELECT ${ASSET_COLUMNS} FROM catalog_assets ${w} ORDER BY ${order}
     LIMIT ${p(options.limit)} OFFSET ${p(options.offset)}`,
    params,
  );
  return {
    items: rows.rows.map(toAsset),
    total: total.rows[0]!.n,
    limit: options.limit,
    offset: options.offset,
  };
}

// ---- offer definitions ----

export type Mode = 'auto' | 'manual';

export interface OfferInput {
  id?: string;
  accessPolicyId?: string;
  accessPolicy?: Record<string, unknown>;
  contractPolicyId?: string;
  contractPolicy?: Record<string, unknown>;
  assetSelector?: AssetSelector;
  negotiationMode?: Mode;
  transferMode?: Mode;
}

export interface OfferDefinition {
  id: string;
  accessPolicyId?: string;
  accessPolicy?: Record<string, unknown>;
  contractPolicyId?: string;
  contractPolicy?: Record<string, unknown>;
  assetSelector: AssetSelector;
  negotiationMode: Mode;
  transferMode: Mode;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface OfferRow {
  id: string;
  access_policy_id: string | null;
  access_policy: Record<string, unknown> | null;
  contract_policy_id: string | null;
  contract_policy: Record<string, unknown> | null;
  asset_selector: AssetSelector;
  negotiation_mode: Mode;
  transfer_mode: Mode;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export function toOffer(r: OfferRow): OfferDefinition {
  return {
    id: r.id,
    ...(r.access_policy_id !== null ? { accessPolicyId: r.access_policy_id } : {}),
    ...(r.access_policy !== null ? { accessPolicy: r.access_policy } : {}),
    ...(r.contract_policy_id !== null ? { contractPolicyId: r.contract_policy_id } : {}),
    ...(r.contract_policy !== null ? { contractPolicy: r.contract_policy } : {}),
    assetSelector: r.asset_selector,
    negotiationMode: r.negotiation_mode,
    transferMode: r.transfer_mode,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export const OFFER_COLUMNS =
  'id, access_policy_id, access_policy, contract_policy_id, contract_policy, asset_selector, negotiation_mode, transfer_mode, version, created_at, updated_at';

async function checkOffer(input: OfferInput, policies: PolicyService | undefined, tx: Queryable) {
  for (const which of ['access', 'contract'] as const) {
    const idKey = `${which}PolicyId` as const;
    const inlineKey = `${which}Policy` as const;
    const id = input[idKey];
    const inline = input[inlineKey];
    if ((id === undefined) === (inline === undefined)) {
      throw new ValidationError(
        `/${idKey}: give exactly one of ${idKey} (a stored policy) and ${inlineKey}`,
        {
          pointer: `/${idKey}`,
        },
      );
    }
    if (id !== undefined && policies && !(await policies.get(id, tx))) {
      throw new ValidationError(
        `/${idKey}: there is no policy definition ${id}`,
        { pointer: `/${idKey}` },
        'unknown_policy',
      );
    }
    if (inline !== undefined) checkPolicyJson(inline, `/${inlineKey}`, which === 'contract');
  }
  checkSelector(input.assetSelector ?? {});
}

function offerParams(input: OfferInput) {
  return [
    input.accessPolicyId ?? null,
    input.accessPolicy === undefined ? null : JSON.stringify(input.accessPolicy),
    input.contractPolicyId ?? null,
    input.contractPolicy === undefined ? null : JSON.stringify(input.contractPolicy),
    JSON.stringify(input.assetSelector ?? {}),
    input.negotiationMode ?? 'auto',
    input.transferMode ?? 'auto',
  ];
}

function offerSummary(input: OfferInput): Record<string, unknown> {
  return {
    accessPolicyId: input.accessPolicyId,
    accessPolicy: input.accessPolicy,
    contractPolicyId: input.contractPolicyId,
    contractPolicy: input.contractPolicy,
    assetSelector: input.assetSelector ?? {},
    negotiationMode: input.negotiationMode ?? 'auto',
    transferMode: input.transferMode ?? 'auto',
  };
}

export async function createOffer(
  db: Database,
  input: OfferInput,
  policies: PolicyService | undefined,
  ctx: ChangeContext,
): Promise<OfferDefinition> {
  const id = input.id ?? randomUUID();
  checkId(id);
  return db.transaction(async (tx) => {
    await checkOffer(input, policies, tx);
    const r = await tx.query<OfferRow>(
      `INSERT INTO catalog_offers (id, access_policy_id, access_policy, contract_policy_id, contract_policy,
         asset_selector, negotiation_mode, transfer_mode)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING ${OFFER_COLUMNS}`,
      [id, ...offerParams(input)],
    );
    if (r.rows.length === 0)
      throw new ConflictError(`an offer definition with id ${id} exists already`, { id });
    await audit(tx, ctx, { offerId: id }, { action: 'offer.create', ...offerSummary(input) });
    return toOffer(r.rows[0]!);
  });
}

export async function getOffer(db: Queryable, id: string): Promise<OfferDefinition | undefined> {
  const r = await db.query<OfferRow>(`SELECT ${OFFER_COLUMNS} FROM catalog_offers WHERE id = $1`, [id]);
  return r.rows[0] && toOffer(r.rows[0]);
}

export async function updateOffer(
  db: Database,
  id: string,
  input: OfferInput,
  policies: PolicyService | undefined,
  ctx: ChangeContext,
): Promise<OfferDefinition> {
  if (input.id !== undefined && input.id !== id) {
    throw new ValidationError(`/id: the body's id ${input.id} differs from the path's ${id}`, {
      pointer: '/id',
    });
  }
  return db.transaction(async (tx) => {
    await checkOffer(input, policies, tx);
    const r = await tx.query<OfferRow>(
      `UPDATE catalog_offers SET access_policy_id = $2, access_policy = $3, contract_policy_id = $4,
         contract_policy = $5, asset_selector = $6, negotiation_mode = $7, transfer_mode = $8,
         version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${OFFER_COLUMNS}`,
      [id, ...offerParams(input)],
    );
    if (r.rows.length === 0) throw new NotFoundError(`no offer definition ${id}`);
    await audit(tx, ctx, { offerId: id }, { action: 'offer.update', ...offerSummary(input) });
    return toOffer(r.rows[0]!);
  });
}

export async function deleteOffer(db: Database, id: string, ctx: ChangeContext): Promise<void> {
  await db.transaction(async (tx) => {
    const r = await tx.query('DELETE FROM catalog_offers WHERE id = $1', [id]);
    if (r.rowCount === 0) throw new NotFoundError(`no offer definition ${id}`);
    await audit(tx, ctx, { offerId: id }, { action: 'offer.delete' });
  });
}

export interface OfferFilters {
  /** Offers that use this stored policy, as access or contract policy. */
  policyId?: string;
  negotiationMode?: Mode;
  transferMode?: Mode;
  idPrefix?: string;
}

export async function listOffers(
  db: Queryable,
  options: ListOptions & OfferFilters,
): Promise<Page<OfferDefinition>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  if (options.policyId) {
    const x = p(options.policyId);
    where.push(`(access_policy_id = ${x} OR contract_policy_id = ${x})`);
  }
  if (options.negotiationMode) where.push(`negotiation_mode = ${p(options.negotiationMode)}`);
  if (options.transferMode) where.push(`transfer_mode = ${p(options.transferMode)}`);
  if (options.idPrefix) where.push(`id LIKE ${p(options.idPrefix.replace(/[\\%_]/g, '\\$&') + '%')}`);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const order = orderBy(options.sort, { id: 'id', createdAt: 'created_at', updatedAt: 'updated_at' }, 'id');
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM catalog_offers ${w}`, params);
  const rows = await db.query<OfferRow>(
    `SELECT ${OFFER_COLUMNS} FROM catalog_offers ${w} ORDER BY ${order} LIMIT ${p(options.limit)} OFFSET ${p(options.offset)}`,
    params,
  );
  return {
    items: rows.rows.map(toOffer),
    total: total.rows[0]!.n,
    limit: options.limit,
    offset: options.offset,
  };
}
