/**
 * The issuer role on loopback: onboarding with the secret (issued and delivered to the holder's
 * credential service at once), onboarding that waits for an operator, the status list, and
 * revocation seen by a verifier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConnector } from '../../src/runtime/connector.js';
import type { IdentityService } from '../../src/runtime/services.js';
import { execFile } from 'node:child_process';
import { MANAGEMENT_KEY, management, startTestConnector } from '../helpers/connector.js';

const SECRET = 'onboarding-secret-0123456789';
const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) });

describe('issuer role and onboarding', () => {
  let issuer: RunningConnector;
  let alice: RunningConnector;
  let bob: RunningConnector;

  beforeAll(async () => {
    issuer = await startTestConnector({
      name: 'issuer',
      role: 'issuer',
      issuer: { onboardingSecret: SECRET, memberOf: 'loopback-space' },
    });
    const identity = {
      allowHttpDidWeb: true,
      statusListCacheTtlMs: 0,
      trustedIssuers: [{ did: issuer.services.did, types: ['MembershipCredential'] }],
    };
    alice = await startTestConnector({ name: 'alice', identity });
    bob = await startTestConnector({ name: 'bob', identity });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([issuer, alice, bob].map((c) => c?.stop()));
  });

  /** Deliveries go through the issuer's outbox: wait for them (bounded). */
  async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (ok(v) || Date.now() > until) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const held = async (c: RunningConnector) =>
    (
      (await (await management(c, '/v1/identity/credentials')).json()) as {
        items: { id: string; types: string[]; credential: unknown }[];
      }
    ).items;

  it('publishes issuer metadata and lists IssuerService in its DID document', async () => {
    const doc = (await (await fetch(`${issuer.urls.protocol}/.well-known/did.json`)).json()) as {
      service: { type: string }[];
    };
    expect(doc.service.map((s) => s.type)).toContain('IssuerService');
    const meta = (await (await fetch(`${issuer.urls.protocol}/issuer/metadata`)).json()) as {
      type: string;
      credentialsSupported: { credentialType: string }[];
    };
    expect(meta.type).toBe('IssuerMetadata');
    expect(meta.credentialsSupported.map((c) => c.credentialType)).toContain('MembershipCredential');
  });

  it('onboards with the secret: issued, delivered, and accepted by a peer over DCP', async () => {
    const res = await management(
      alice,
      '/v1/identity/credential-requests',
      post({ issuerDid: issuer.services.did, onboardingSecret: SECRET }),
    );
    expect(res.status).toBe(201);
    expect(((await res.json()) as { status: string }).status).toBe('ISSUED');
    const items = await eventually(
      () => held(alice),
      (v) => v.length > 0,
    );
    expect(items).toHaveLength(1);
    expect(items[0]!.types).toContain('MembershipCredential');
    const p = await (bob.services.identity as IdentityService).authenticate(
      await (alice.services.identity as IdentityService).authorizationFor(bob.services.did),
    );
    expect(p.credentials[0]!.subject).toMatchObject({ id: alice.services.did, memberOf: 'loopback-space' });
  });

  it('refuses a wrong secret; without one the request waits for the operator, who approves it', async () => {
    const wrong = await management(
      bob,
      '/v1/identity/credential-requests',
      post({ issuerDid: issuer.services.did, onboardingSecret: 'wrong-secret-wrong-secret' }),
    );
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    const res = await management(
      bob,
      '/v1/identity/credential-requests',
      post({ issuerDid: issuer.services.did }),
    );
    const { issuerPid, status } = (await res.json()) as { issuerPid: string; status: string };
    expect(status).toBe('RECEIVED');
    expect(await held(bob)).toHaveLength(0);
    const approved = await management(issuer, `/v1/issuer/credentials/${issuerPid}/approve`, {
      method: 'POST',
    });
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as { status: string }).status).toBe('ISSUED');
    expect(
      await eventually(
        () => held(bob),
        (v) => v.length > 0,
      ),
    ).toHaveLength(1);
    const record = await eventually(
      async () =>
        (await (await management(issuer, `/v1/issuer/credentials/${issuerPid}`)).json()) as {
          deliveredAt?: string;
        },
      (r) => r.deliveredAt !== undefined,
    );
    expect(record.deliveredAt).toBeTypeOf('string');
  });

  it('revokes on request: the status list says so and a verifier refuses the credential', async () => {
    const issued = (await (
      await management(issuer, '/v1/issuer/credentials', post({ holderDid: alice.services.did }))
    ).json()) as { id: string; credential: string };
    const ok = await management(
      bob,
      '/credentials/verify',
      post({ verifiableCredential: issued.credential }),
    );
    expect(ok.status).toBe(200);
    expect(
      (await management(issuer, `/v1/issuer/credentials/${issued.id}/revoke`, { method: 'POST' })).status,
    ).toBe(200);
    const revoked = await management(
      bob,
      '/credentials/verify',
      post({ verifiableCredential: issued.credential }),
    );
    expect(revoked.status).toBe(422);
    const body = (await revoked.json()) as { errors: { check: string; reason?: string }[] };
    expect(body.errors[0]).toMatchObject({ check: 'status', reason: 'revoked' });
  });

  it('pontis issuer issue/revoke drive the same API from the command line', async () => {
    // Asynchronously: the issuer serves in this very process.
    const cli = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['bin/pontis.js', 'issuer', ...args, '--url', issuer.urls.management, '--api-key', MANAGEMENT_KEY],
          { encoding: 'utf8', env: { PATH: process.env.PATH, PONTIS_FROM_SOURCE: '1' }, timeout: 60_000 },
          (err, stdout, stderr) =>
            resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const issued = await cli('issue', '--holder', bob.services.did);
    expect(issued.status, issued.stderr).toBe(0);
    const { id } = JSON.parse(issued.stdout) as { id: string };
    const revoked = await cli('revoke', id);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect((JSON.parse(revoked.stdout) as { revokedAt?: string }).revokedAt).toBeTypeOf('string');
    expect((await cli('revoke', 'no-such-id')).status).toBe(2);
  }, 120_000);
});
