import { generateKeyPair, exportSPKI, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp, finishApp } from '../../../src/http/app.js';
import { createAuthenticator, requireScope } from '../../../src/http/auth.js';
import { openApiValidator, type OpenApiDocument } from '../../../src/http/openapi.js';

const doc: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Test API', version: '1' },
  paths: {
    '/v1/things': {
      get: {
        parameters: [{ $ref: '#/components/parameters/Limit' }],
      },
      post: {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
        },
      },
    },
    '/v1/things/{id}': {
      get: {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z]+$' } },
        ],
      },
    },
  },
  components: {
    parameters: {
      Limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10, default: 5 } },
    },
    schemas: {
      Thing: {
        type: 'object',
        required: ['title', 'tags'],
        additionalProperties: false,
        properties: {
          title: { type: 'string', minLength: 1 },
          tags: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

let server: Server;
let base: string;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const pem = await exportSPKI(publicKey);
  const authenticate = await createAuthenticator({
    managementApiKey: 'management-key-0123456789',
    auditorApiKey: 'auditor-key-0123456789',
    oauth2: { issuer: 'https://idp.example', audience: 'pontis', publicKeyPem: pem },
  });
  const app = createApp({ listener: 'test', log, bodyLimitBytes: 10_000 });
  app.use(requireScope(authenticate, 'management'), openApiValidator(doc));
  app.get('/v1/things', (req, res) => void res.json({ query: req.query }));
  app.post('/v1/things', (req, res) => void res.status(201).json(req.body));
  app.get('/v1/things/:id', (req, res) => void res.json({ id: req.params.id }));
  finishApp(app, log);
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (aud: string, scope?: string) =>
    new SignJWT({ scope })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('https://idp.example')
      .setAudience(aud)
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(privateKey);
  tokens = {
    good: await sign('pontis'),
    wrongAudience: await sign('other'),
    auditor: await sign('pontis', 'pontis:auditor'),
  };
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let tokens: Record<'good' | 'wrongAudience' | 'auditor', string>;
const call = (
  path: string,
  init: RequestInit = {},
  auth: Record<string, string> = { 'X-Api-Key': 'management-key-0123456789' },
) =>
  fetch(base + path, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...auth, ...(init.headers as object) },
  });

describe('requests validated against the OpenAPI document', () => {
  it('passes a valid body and answers 400 naming the failing JSON path otherwise', async () => {
    expect(
      (await call('/v1/things', { method: 'POST', body: JSON.stringify({ title: 't', tags: [] }) })).status,
    ).toBe(201);
    const cases: [unknown, RegExp, string][] = [
      [{ tags: [] }, /body\/title is required/, '/title'],
      [{ title: 't', tags: [1] }, /body\/tags\/0 must be string/, '/tags/0'],
      [{ title: 't', tags: [], extra: 1 }, /body\/extra is not allowed here/, '/extra'],
    ];
    for (const [body, message, pointer] of cases) {
      const r = await call('/v1/things', { method: 'POST', body: JSON.stringify(body) });
      expect(r.status).toBe(400);
      const json = (await r.json()) as { message: string; details: { pointer: string } };
      expect(json.message).toMatch(message);
      expect(json.details.pointer).toBe(pointer);
    }
    const none = await call('/v1/things', { method: 'POST' });
    expect(none.status).toBe(400);
  });

  it('coerces query parameters, applies defaults, and refuses out-of-range ones', async () => {
    expect(await (await call('/v1/things?limit=3')).json()).toEqual({ query: { limit: 3 } });
    expect(await (await call('/v1/things')).json()).toEqual({ query: { limit: 5 } });
    const r = await call('/v1/things?limit=99');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(/query parameter limit must be <= 10/);
    expect((await call('/v1/things/ABC')).status).toBe(400);
    expect((await call('/v1/things/abc')).status).toBe(200);
  });
});

describe('OAuth2 bearer tokens', () => {
  it('accepts a valid token, refuses a wrong audience, and keeps the auditor scope apart', async () => {
    expect((await call('/v1/things', {}, { Authorization: `Bearer ${tokens.good}` })).status).toBe(200);
    expect((await call('/v1/things', {}, { Authorization: `Bearer ${tokens.wrongAudience}` })).status).toBe(
      401,
    );
    expect((await call('/v1/things', {}, { Authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    expect((await call('/v1/things', {}, { Authorization: `Bearer ${tokens.auditor}` })).status).toBe(403);
  });
});
