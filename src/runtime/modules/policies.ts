import { policyManagementRouter } from '../../http/management/policies.js';
import { createPolicyService } from '../../policy/definitions.js';
import type { ModuleFactory } from '../module.js';

/**
 * Policy definitions (issue 4): `services.policies` for the parts that reference stored policies
 * (offer definitions), and the management routes (CRUD, validate, dry-run evaluate).
 */
export const policiesModule: ModuleFactory = (ctx) => {
  const service = createPolicyService(ctx.db);
  ctx.services.policies = service;
  return {
    name: 'policies',
    management: policyManagementRouter({
      db: ctx.db,
      audit: () => ctx.services.audit,
      compiled: async (id) => (await service.get(id))?.compiled,
    }),
  };
};
