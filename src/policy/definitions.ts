/**
 * Stored policy definitions: create, read, list (paging, filters, sort), update, delete when unused,
 * and the PolicyService other parts read them through (compiled once per version, then reused).
 * The persistence adapter of the policy engine: it takes the store's plain interfaces (no driver);
 * the engine itself (index.ts and what it imports) stays pure. Every change is one transaction with
 * its audit entry when an audit service is given.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { AuditService, PolicyService } from '../runtime/services.js';
import type { Database, Queryable } from '../store/db.js';
import type { CompiledPolicy, PolicyType } from './index.js';
import { compilePolicy } from './index.js';
import { shortName } from './vocab.js';

export const POLICY_ID = /^[A-Za-z0-9._~@-]{1,200}$/;

export interface PolicyDefinitionInput {
  id?: string;
  description?: string;
  policy: unknown;
}

export interface PolicyDefinition {
  id: string;
  description?: string;
  policy: unknown;
  type: PolicyType;
  leftOperands: string[];
  actions: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ChangeContext {
  actor: string;
  audit?: AuditService;
}

export interface PolicyListOptions {
  limit: number;
  offset: number;
  sort?: string;
  type?: string;
  leftOperand?: string;
  action?: string;
  idPrefix?: string;
}

interface Row {
  id: string;
  description: string | null;
  policy: unknown;
  policy_type: PolicyType;
  left_operands: string[];
  actions: string[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, description, policy, policy_type, left_operands, actions, version, created_at, updated_at';

function toDefinition(r: Row): PolicyDefinition {
  return {
    id: r.id,
    ...(r.description !== null ? { description: r.description } : {}),
    policy: r.policy,
    type: r.policy_type,
    leftOperands: r.left_operands,
    actions: r.actions,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Compiles the policy of a request body; pointers are made relative to the body (`/policy/...`). */
export function compileBodyPolicy(policy: unknown, base = '/policy'): CompiledPolicy {
  try {
    return compilePolicy(policy);
  } catch (e) {
    if (e instanceof ValidationError) {
      const d = (e.details ?? {}) as { pointer?: string; problems?: { pointer: string; message: string }[] };
      const problems = (d.problems ?? []).map((p) => ({ pointer: base + p.pointer, message: p.message }));
      const first = problems[0] ?? { pointer: base, message: e.message };
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      throw new ValidationError(
        `invalid policy at '${first.pointer}': ${first.message}${more}`,
        { pointer: first.pointer, problems },
        e.code,
      );
    }
    throw e;
  }
}

function checkId(id: string): void {
  if (!POLICY_ID.test(id)) {
    throw new ValidationError(`/id: '${id}' is not a valid id (1-200 of A-Z a-z 0-9 . _ ~ @ -; no ':')`, {
      pointer: '/id',
    });
  }
}

async function audit(
  tx: Queryable,
  ctx: ChangeContext,
  id: string,
  content: Record<string, unknown>,
): Promise<void> {
  await ctx.audit?.append(tx, {
    type: 'management.change',
    actor: ctx.actor,
    subjects: { policyId: id },
    content,
  });
}

export async function createPolicyDefinition(
  db: Database,
  input: PolicyDefinitionInput,
  ctx: ChangeContext,
): Promise<PolicyDefinition> {
  const id = input.id ?? randomUUID();
  checkId(id);
  const compiled = compileBodyPolicy(input.policy);
  return db.transaction(async (tx) => {
    const r = await tx.query<Row>(
      `INSERT INTO policy_definitions (id, description, policy, policy_type, left_operands, actions)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
      [
        id,
        input.description ?? null,
        JSON.stringify(input.policy),
        compiled.type,
        compiled.leftOperands,
        compiled.actions,
      ],
    );
    if (r.rows.length === 0)
      throw new ConflictError(`a policy definition ${id} already exists`, { pointer: '/id' });
    await audit(tx, ctx, id, { action: 'policy.create', policy: input.policy });
    return toDefinition(r.rows[0]!);
  });
}

export async function getPolicyDefinition(db: Queryable, id: string): Promise<PolicyDefinition | undefined> {
  const r = await db.query<Row>(`SELECT ${COLUMNS} FROM policy_definitions WHERE id = $1`, [id]);
  return r.rows[0] ? toDefinition(r.rows[0]) : undefined;
}

export async function updatePolicyDefinition(
  db: Database,
  id: string,
  input: PolicyDefinitionInput,
  ctx: ChangeContext,
): Promise<PolicyDefinition> {
  if (input.id !== undefined && input.id !== id) {
    throw new ValidationError(`/id: the body's id ${input.id} differs from the path's ${id}`, {
      pointer: '/id',
    });
  }
  const compiled = compileBodyPolicy(input.policy);
  return db.transaction(async (tx) => {
    const r = await tx.query<Row>(
      `UPDATE policy_definitions SET description = $2, policy = $3, policy_type = $4, left_operands = $5,
         actions = $6, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        input.description ?? null,
        JSON.stringify(input.policy),
        compiled.type,
        compiled.leftOperands,
        compiled.actions,
      ],
    );
    if (r.rows.length === 0) throw new NotFoundError(`no policy definition ${id}`);
    await audit(tx, ctx, id, { action: 'policy.update', policy: input.policy });
    return toDefinition(r.rows[0]!);
  });
}

/** Offer definitions that use the policy (the catalogue's table, when this connector has one). */
async function usedBy(tx: Queryable, id: string): Promise<string[]> {
  const t = await tx.query<{ present: boolean }>(
    `SELECT to_regclass('catalog_offers') IS NOT NULL AS present`,
  );
  if (!t.rows[0]?.present) return [];
  const r = await tx.query<{ id: string }>(
    `SELECT id FROM catalog_offers WHERE access_policy_id = $1 OR contract_policy_id = $1 ORDER BY id LIMIT 10`,
    [id],
  );
  return r.rows.map((x) => x.id);
}

export async function deletePolicyDefinition(db: Database, id: string, ctx: ChangeContext): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await tx.query(`SELECT id FROM policy_definitions WHERE id = $1 FOR UPDATE`, [id]);
    if (row.rows.length === 0) throw new NotFoundError(`no policy definition ${id}`);
    const users = await usedBy(tx, id);
    if (users.length) {
      throw new ConflictError(`policy definition ${id} is used by offer definitions ${users.join(', ')}`, {
        offers: users,
      });
    }
    await tx.query(`DELETE FROM policy_definitions WHERE id = $1`, [id]);
    await audit(tx, ctx, id, { action: 'policy.delete' });
  });
}

const SORTS: Record<string, string> = { id: 'id', createdAt: 'created_at', updatedAt: 'updated_at' };

export async function listPolicyDefinitions(
  db: Queryable,
  o: PolicyListOptions,
): Promise<{ items: PolicyDefinition[]; total: number; limit: number; offset: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (o.type) where.push(`policy_type = ${p(o.type)}`);
  if (o.leftOperand) where.push(`${p(shortName(o.leftOperand))} = ANY(left_operands)`);
  if (o.action) where.push(`${p(shortName(o.action))} = ANY(actions)`);
  if (o.idPrefix) where.push(`id LIKE ${p(o.idPrefix.replace(/[\\%_]/g, (c) => '\\' + c) + '%')}`);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const sort = o.sort ?? 'id';
  const desc = sort.startsWith('-');
  const column = SORTS[desc ? sort.slice(1) : sort];
  if (!column) {
    throw new ValidationError(
      `sort: '${sort}' is not sortable (id, createdAt, updatedAt; '-' in front for descending)`,
      {
        in: 'query',
        pointer: '/sort',
      },
    );
  }
  const order = `${column} ${desc ? 'DESC' : 'ASC'}${column === 'id' ? '' : `, id ${desc ? 'DESC' : 'ASC'}`}`;
  const total = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM policy_definitions ${w}`,
    params,
  );
  const rows = await db.query<Row>(
    `SELECT ${COLUMNS} FROM policy_definitions ${w} ORDER BY ${order} LIMIT ${p(o.limit)} OFFSET ${p(o.offset)}`,
    params,
  );
  return { items: rows.rows.map(toDefinition), total: total.rows[0]!.n, limit: o.limit, offset: o.offset };
}

/**
 * services.policies: a stored policy with its compiled form, compiled once per version. With a
 * transaction, the row is share-locked so that it cannot be deleted before the caller commits a
 * reference to it.
 */
export interface StoredPolicies extends PolicyService {
  get(
    id: string,
    tx?: Queryable,
  ): Promise<{ id: string; policy: unknown; compiled: CompiledPolicy } | undefined>;
}

export function createPolicyService(db: Queryable, maxCached = 1000): StoredPolicies {
  const cache = new Map<string, { version: number; compiled: CompiledPolicy }>();
  return {
    async get(id, tx) {
      const r = await (tx ?? db).query<{ id: string; policy: unknown; version: number }>(
        `SELECT id, policy, version FROM policy_definitions WHERE id = $1${tx ? ' FOR SHARE' : ''}`,
        [id],
      );
      const row = r.rows[0];
      if (!row) return undefined;
      let hit = cache.get(id);
      if (!hit || hit.version !== row.version) {
        hit = { version: row.version, compiled: compilePolicy(row.policy) };
        if (cache.size >= maxCached) cache.delete(cache.keys().next().value!);
        cache.set(id, hit);
      }
      return { id: row.id, policy: row.policy, compiled: hit.compiled };
    },
  };
}
