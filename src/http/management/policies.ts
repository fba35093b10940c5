import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { components, operations } from '../generated/management.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { principalOf } from '../auth.js';
import type { ChangeContext, PolicyDefinitionInput } from '../../policy/definitions.js';
import {
  compileBodyPolicy,
  createPolicyDefinition,
  deletePolicyDefinition,
  getPolicyDefinition,
  listPolicyDefinitions,
  updatePolicyDefinition,
} from '../../policy/definitions.js';
import type { CompiledPolicy, EvaluationContext, Scope } from '../../policy/index.js';
import { evaluate, validatePolicy } from '../../policy/index.js';
import type { Database } from '../../store/db.js';
import type { AuditService } from '../../runtime/services.js';

type ListQuery = NonNullable<operations['listPolicies']['parameters']['query']>;
type EvaluationRequest = components['schemas']['PolicyEvaluationRequest'];
type ContextInput = components['schemas']['PolicyEvaluationContext'];

export interface PolicyManagementDeps {
  db: Database;
  audit: () => AuditService | undefined;
  /** Compiled stored policies (services.policies). */
  compiled: (id: string) => Promise<CompiledPolicy | undefined>;
}

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

function toContext(c: ContextInput | undefined): EvaluationContext {
  const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));
  return {
    now: date(c?.now) ?? new Date(),
    ...(c?.participant
      ? {
          participant: {
            did: c.participant.did,
            credentials: c.participant.credentials.map((k) => ({
              ...(k.id !== undefined ? { id: k.id } : {}),
              types: k.types,
              issuer: k.issuer,
              subject: k.subject as Record<string, unknown>,
              ...(k.validFrom !== undefined ? { validFrom: new Date(k.validFrom) } : {}),
              ...(k.validUntil !== undefined ? { validUntil: new Date(k.validUntil) } : {}),
            })),
          },
        }
      : {}),
    ...(c?.agreement ? { agreement: { id: c.agreement.id, signedAt: new Date(c.agreement.signedAt) } } : {}),
    ...(c?.usage ? { usage: { count: c.usage.count } } : {}),
    ...(c?.purpose !== undefined ? { purpose: c.purpose } : {}),
    ...(c?.target !== undefined ? { target: c.target } : {}),
    ...(c?.dataspace ? { dataspace: c.dataspace } : {}),
  };
}

/**
 * limit/offset as numbers with their defaults, whether or not the OpenAPI layer has coerced them
 * (it does not resolve `$ref` parameters at the time of writing).
 */
function intParam(v: unknown, name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ValidationError(
      `${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`,
      {
        in: 'query',
        pointer: `/${name}`,
      },
    );
  }
  return n;
}

/** Policy definitions, validation and dry-run evaluation on the management API (openapi/management.yaml). */
export function policyManagementRouter(d: PolicyManagementDeps): Router {
  const r = Router();
  const change = (res: Response): ChangeContext => ({ actor: principalOf(res).id, audit: d.audit() });
  const id = (req: Request) => String(req.params.id);

  r.get(
    '/v1/policies',
    wrap(async (req, res) => {
      const q = req.query as unknown as ListQuery;
      res.json(
        await listPolicyDefinitions(d.db, {
          ...q,
          limit: intParam(q.limit, 'limit', 50, 1, 500),
          offset: intParam(q.offset, 'offset', 0, 0),
        }),
      );
    }),
  );
  r.post(
    '/v1/policies',
    wrap(async (req, res) => {
      res
        .status(201)
        .json(await createPolicyDefinition(d.db, req.body as PolicyDefinitionInput, change(res)));
    }),
  );
  r.post(
    '/v1/policies/validate',
    wrap(async (req, res) => {
      const v = validatePolicy((req.body as { policy: unknown }).policy);
      res.json(v);
    }),
  );
  r.post(
    '/v1/policies/evaluate',
    wrap(async (req, res) => {
      const body = req.body as EvaluationRequest;
      if ((body.policyId === undefined) === (body.policy === undefined)) {
        throw new ValidationError('give exactly one of policyId (a stored policy) and policy (inline)', {
          pointer: body.policy === undefined ? '/policyId' : '/policy',
        });
      }
      let policy: CompiledPolicy | undefined;
      if (body.policyId !== undefined) {
        policy = await d.compiled(body.policyId);
        if (!policy) throw new NotFoundError(`no policy definition ${body.policyId}`);
      } else {
        policy = compileBodyPolicy(body.policy);
      }
      res.json(evaluate(policy, body.scope as Scope, toContext(body.context), body.action ?? 'use'));
    }),
  );
  r.get(
    '/v1/policies/:id',
    wrap(async (req, res) => {
      const p = await getPolicyDefinition(d.db, id(req));
      if (!p) throw new NotFoundError(`no policy definition ${id(req)}`);
      res.json(p);
    }),
  );
  r.put(
    '/v1/policies/:id',
    wrap(async (req, res) => {
      res.json(await updatePolicyDefinition(d.db, id(req), req.body as PolicyDefinitionInput, change(res)));
    }),
  );
  r.delete(
    '/v1/policies/:id',
    wrap(async (req, res) => {
      await deletePolicyDefinition(d.db, id(req), change(res));
      res.status(204).end();
    }),
  );
  return r;
}
