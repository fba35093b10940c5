/**
 * Test doubles and fixtures for the catalogue tests. The identity double maps `Bearer <name>` to a
 * participant registered here: it stands in for DCP while the catalogue is tested on its own (the
 * production code path, `services.identity.authenticate`, is the same).
 */
import { UnauthorizedError } from '../../src/errors.js';
import type { VerifiedParticipant } from '../../src/identity/participant.js';
import type { ModuleFactory } from '../../src/runtime/module.js';
import type { IdentityService, PolicyService } from '../../src/runtime/services.js';
import { compilePolicy } from '../../src/policy/index.js';

export const MEMBER: VerifiedParticipant = {
  did: 'did:web:member.example',
  credentials: [
    {
      types: ['VerifiableCredential', 'MembershipCredential'],
      issuer: 'did:web:authority.example',
      subject: { id: 'did:web:member.example' },
    },
  ],
};
export const OUTSIDER: VerifiedParticipant = { did: 'did:web:outsider.example', credentials: [] };

/** An identity module double: `Bearer member` → MEMBER, `Bearer outsider` → OUTSIDER. */
export function testIdentityModule(
  participants: Record<string, VerifiedParticipant> = { member: MEMBER, outsider: OUTSIDER },
  outgoing = 'Bearer member',
): ModuleFactory {
  return (ctx) => {
    const identity: IdentityService = {
      did: ctx.services.did,
      authenticate(authorization) {
        const name = authorization?.replace(/^Bearer /, '');
        const p = name !== undefined ? participants[name] : undefined;
        if (!p) return Promise.reject(new UnauthorizedError('unknown test caller', 'dcp_invalid_token'));
        return Promise.resolve(p);
      },
      authorizationFor: () => Promise.resolve(outgoing),
      sign: () => Promise.reject(new Error('not in the test double')),
      verifyOwn: () => Promise.reject(new Error('not in the test double')),
      publicJwk: () => ({}),
    };
    ctx.services.identity = identity;
    return { name: 'test-identity' };
  };
}

/** A policy service double holding `policies` by id. */
export function testPolicyModule(policies: Record<string, unknown>): ModuleFactory {
  return (ctx) => {
    const service: PolicyService = {
      get(id) {
        const policy = policies[id];
        return Promise.resolve(
          policy === undefined ? undefined : { id, policy, compiled: compilePolicy(policy) },
        );
      },
    };
    ctx.services.policies = service;
    return { name: 'test-policies' };
  };
}

export const PUBLIC_POLICY = { '@type': 'Set', permission: [{ action: 'use' }] };
export const MEMBERS_POLICY = {
  '@type': 'Set',
  permission: [
    {
      action: 'use',
      constraint: [{ leftOperand: 'pontis:membership', operator: 'eq', rightOperand: true }],
    },
  ],
};
export const CONTRACT_POLICY = {
  '@context': 'https://w3id.org/dspace/2025/1/context.jsonld',
  '@type': 'Offer',
  permission: [
    {
      action: 'use',
      constraint: [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: '2099-01-01T00:00:00Z' }],
    },
  ],
};

export function httpAsset(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    title: `Dataset ${id}`,
    description: 'Test data',
    keywords: ['Weather', 'test'],
    distributions: [{ format: 'HttpData-PULL', mediaType: 'text/csv' }],
    dataAddress: { type: 'HttpData', baseUrl: 'http://internal.example/secret-path', proxyPath: true },
    ...extra,
  };
}

/** SQL that inserts `n` assets `<prefix>00001..` in one statement (for paging tests and benches). */
export function bulkAssetsSql(n: number, prefix = 'ds'): string {
  return `INSERT INTO catalog_assets (id, title, keywords, metadata, dataset, data_address)
    SELECT '${prefix}' || lpad(i::text, 6, '0'), 'Dataset ' || i, ARRAY['bulk', 'k' || (i % 10)],
      jsonb_build_object('title', 'Dataset ' || i, 'distributions', jsonb_build_array(jsonb_build_object('format', 'HttpData-PULL'))),
      jsonb_build_object('extra', jsonb_build_object('dct:title', 'Dataset ' || i, 'dcat:keyword', jsonb_build_array('bulk', 'k' || (i % 10))),
        'distributions', jsonb_build_array(jsonb_build_object('format', 'HttpData-PULL', 'extra', '{}'::jsonb))),
      '{"type":"HttpData","baseUrl":"http://internal.example/x"}'::jsonb
    FROM generate_series(1, ${n}) AS i`;
}
