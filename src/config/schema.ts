import { z } from 'zod';

/**
 * The one configuration schema. Every leaf can be set in the file (`--config`, YAML or JSON) and
 * overridden by an environment variable whose name is derived from its path:
 * `PONTIS_` + the path in upper snake case (`management.apiKey` → `PONTIS_MANAGEMENT_API_KEY`).
 * `DATABASE_URL` is also read as `databaseUrl`, as every PostgreSQL tool does.
 * Descriptions here become the README's configuration reference (`npm run docs:config`).
 */
const port = (def: number, what: string) =>
  z.number().int().min(0).max(65535).default(def).describe(`TCP port of the ${what} (0 picks a free port)`);

const listener = (def: number, what: string) =>
  z
    .strictObject({ port: port(def, what) })
    .prefault({})
    .describe(`The ${what}`);

export const trustedIssuerSchema = z.strictObject({
  did: z.string().startsWith('did:').describe('DID of the issuer'),
  types: z
    .array(z.string().min(1))
    .min(1)
    .describe('Credential types this issuer is trusted for (e.g. MembershipCredential)'),
});

export const configSchema = z.strictObject({
  role: z
    .enum(['connector', 'catalogue', 'issuer'])
    .default('connector')
    .describe('Which role this process plays'),
  name: z.string().min(1).default('pontis').describe('A short name for logs and metrics'),
  dataDir: z
    .string()
    .min(1)
    .default('./.pontis/data')
    .describe('Directory of the embedded database and generated secrets'),
  dataDirFsync: z
    .boolean()
    .default(true)
    .describe(
      'Sync the embedded database to disk on every commit (fsync); false commits faster, but then an OS crash or a power cut can lose or corrupt what was committed (a killed process loses nothing either way)',
    ),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
    .optional()
    .describe('PostgreSQL server to use instead of the embedded store (also read from DATABASE_URL)'),
  databasePreparedStatements: z
    .boolean()
    .default(true)
    .describe(
      'Keep statements parsed on each PostgreSQL connection; false behind a pooler that cannot (PgBouncer before 1.21 in transaction mode)',
    ),
  bindHost: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Address the listeners bind to (0.0.0.0 in containers)'),
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'Base URL at which others reach the protocol listener; default http://localhost:<protocol port>. The did:web identity is derived from it.',
    ),
  protocol: listener(8282, 'protocol API (public: DSP, DID document, credential service)'),
  management: z
    .strictObject({
      port: port(8181, 'management API (private)'),
      apiKey: z
        .string()
        .min(16, 'at least 16 characters')
        .optional()
        .describe(
          'API key for the X-Api-Key header; when unset one is generated and stored in <dataDir>/management-api-key',
        ),
      oauth2: z
        .strictObject({
          issuer: z.string().min(1).describe('Expected `iss` of bearer tokens'),
          audience: z.string().min(1).describe('Expected `aud` of bearer tokens'),
          jwksUrl: z.url().optional().describe('JWKS URL of the authorisation server'),
          publicKeyPem: z.string().optional().describe('Static public key (PEM) instead of a JWKS URL'),
        })
        .optional()
        .describe('Accept OAuth2 bearer JWTs as well as the API key'),
    })
    .prefault({})
    .describe('The management API (private)'),
  data: listener(8185, 'data plane (public)'),
  ops: listener(8186, 'ops listener (/livez, /readyz, /metrics)'),
  auditor: z
    .strictObject({
      apiKey: z
        .string()
        .min(16, 'at least 16 characters')
        .optional()
        .describe(
          'Read-only auditor key; when unset one is generated and stored in <dataDir>/auditor-api-key',
        ),
    })
    .prefault({})
    .describe('Auditor access to the audit API'),
  log: z
    .strictObject({
      level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('Log level'),
    })
    .prefault({}),
  limits: z
    .strictObject({
      bodyBytes: z
        .number()
        .int()
        .min(1024)
        .default(1_048_576)
        .describe('Largest JSON request body accepted, in bytes'),
    })
    .prefault({}),
  network: z
    .strictObject({
      allow: z
        .array(z.string())
        .default([])
        .describe(
          'Hosts or CIDRs the connector may call (peers, callbacks, data addresses); empty = any host not denied',
        ),
      deny: z
        .array(z.string())
        .default([])
        .describe('Hosts or CIDRs the connector never calls; checked before allow'),
      allowHttp: z
        .boolean()
        .default(false)
        .describe('Allow plain http:// to non-loopback hosts (loopback is always allowed)'),
      timeoutMs: z.number().int().min(100).default(10_000).describe('Timeout of outgoing HTTP calls'),
    })
    .prefault({}),
  outbox: z
    .strictObject({
      pollMs: z
        .number()
        .int()
        .min(10)
        .default(500)
        .describe('How often the dispatcher looks for due messages'),
      batch: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(20)
        .describe('Deliveries in flight at once (messages claimed at once at most)'),
      leaseMs: z
        .number()
        .int()
        .min(1000)
        .default(30_000)
        .describe('How long a claimed message is reserved before another replica may take it'),
      retryBaseMs: z
        .number()
        .int()
        .min(10)
        .default(500)
        .describe('First retry delay (doubles each time, with jitter)'),
      retryMaxMs: z.number().int().min(100).default(60_000).describe('Longest retry delay'),
      deadlineMs: z
        .number()
        .int()
        .min(1000)
        .default(600_000)
        .describe('Give up on a message this long after it was enqueued'),
      maintenanceSeconds: z
        .number()
        .int()
        .min(1)
        .default(300)
        .describe('How often the embedded store (no autovacuum) vacuums its busiest tables'),
    })
    .prefault({}),
  identity: z
    .strictObject({
      did: z
        .string()
        .startsWith('did:')
        .optional()
        .describe("This participant's DID; default did:web derived from publicUrl"),
      keyFile: z
        .string()
        .optional()
        .describe(
          'JWK file of the signing key; default <dataDir>/keys/signing.jwk (generated on first start)',
        ),
      allowHttpDidWeb: z
        .boolean()
        .default(false)
        .describe('Resolve did:web over plain HTTP for loopback hosts (local data spaces and tests)'),
      didCacheTtlMs: z
        .number()
        .int()
        .min(0)
        .default(300_000)
        .describe('How long resolved DID documents are cached'),
      trustedIssuers: z
        .array(trustedIssuerSchema)
        .default([])
        .describe('Issuers trusted per credential type'),
      membershipCredentialType: z
        .string()
        .default('MembershipCredential')
        .describe('Credential type that makes a participant a member of the data space'),
      key: z
        .string()
        .optional()
        .describe(
          'The signing key as JWK JSON (or a JWK set for rotation); wins over keyFile. Keep it in the environment (PONTIS_IDENTITY_KEY), never in the repository',
        ),
      statusListCacheTtlMs: z
        .number()
        .int()
        .min(0)
        .default(300_000)
        .describe('How long fetched status list credentials are cached'),
      presentationFormat: z
        .enum(['jwt', 'data-integrity'])
        .default('jwt')
        .describe('How presentations answered by the credential service are secured'),
    })
    .prefault({}),
  issuer: z
    .strictObject({
      onboardingSecret: z
        .string()
        .min(16)
        .optional()
        .describe(
          'Credential requests that carry this secret (X-Pontis-Onboarding-Secret) are approved automatically; others wait for an operator',
        ),
      credentialFormat: z
        .enum(['vc-jose', 'data-integrity'])
        .default('vc-jose')
        .describe('How issued credentials are secured (vc-jose: the DCP vc20-bssl/jwt profile)'),
      membershipValidityDays: z
        .number()
        .int()
        .min(1)
        .default(365)
        .describe('Validity of issued MembershipCredentials'),
      memberOf: z
        .string()
        .default('dataspace')
        .describe('The memberOf claim of issued MembershipCredentials'),
      statusListLength: z
        .number()
        .int()
        .min(131_072)
        .default(131_072)
        .describe('Entries in the revocation status list (at least 131072 for herd privacy)'),
      templates: z
        .record(
          z.string(),
          z.strictObject({
            claims: z
              .record(z.string(), z.unknown())
              .default({})
              .describe('Claims of the credentialSubject (besides id)'),
            validityDays: z.number().int().min(1).default(365),
            context: z.array(z.string()).default([]).describe('Extra JSON-LD contexts (must be bundled)'),
          }),
        )
        .default({})
        .describe('Credential types this issuer issues besides MembershipCredential, as JSON templates'),
    })
    .prefault({}),
  negotiation: z
    .strictObject({
      deadlineMs: z
        .number()
        .int()
        .min(1000)
        .default(300_000)
        .describe(
          'Terminate a negotiation (with the reason) when a message to the counter-party is not delivered within this time',
        ),
      autoAccept: z
        .boolean()
        .default(true)
        .describe('Consumer: accept a provider offer equal to the request without the operator'),
      autoVerify: z
        .boolean()
        .default(true)
        .describe('Consumer: verify an agreement that matches the request without the operator'),
    })
    .prefault({})
    .describe('Contract negotiation (DSP 2025-1)'),
  transfer: z
    .strictObject({
      tokenTtlSeconds: z
        .number()
        .int()
        .min(10)
        .default(300)
        .describe('Lifetime of data plane access tokens (EDRs)'),
      dataPlaneUrl: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe('Base URL consumers reach the data plane at (EDR endpoints); default its local URL'),
      monitorIntervalMs: z
        .number()
        .int()
        .min(100)
        .default(10_000)
        .describe('How often the policy monitor re-checks running transfers'),
      pushDeadlineMs: z
        .number()
        .int()
        .min(1000)
        .default(120_000)
        .describe('How long a push is retried before the transfer is terminated'),
    })
    .prefault({}),
  audit: z
    .strictObject({
      treeHeadEveryEntries: z
        .number()
        .int()
        .min(1)
        .default(1000)
        .describe('Sign a tree head at least every N entries'),
      treeHeadEverySeconds: z
        .number()
        .int()
        .min(1)
        .default(60)
        .describe('...or every T seconds when entries were added'),
    })
    .prefault({}),
  catalog: z
    .strictObject({
      fileRoot: z
        .string()
        .optional()
        .describe('Root directory for File data addresses; files outside it are refused'),
      pageSize: z.number().int().min(1).max(1000).default(100).describe('Datasets per DSP catalogue page'),
      secrets: z
        .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/), z.string())
        .default({})
        .describe(
          'Secrets that HttpData data address headers name as config:NAME (as a JSON object in the environment)',
        ),
      remoteCacheSeconds: z
        .number()
        .int()
        .min(0)
        .default(30)
        .describe('How long a fetched remote catalogue is reused (0: always fetch)'),
      remoteMaxPages: z
        .number()
        .int()
        .min(1)
        .default(100)
        .describe('Most pages of a remote catalogue followed in one fetch'),
    })
    .prefault({}),
  catalogue: z
    .strictObject({
      dataSpace: z
        .string()
        .min(1)
        .default('default')
        .describe('Catalogue role: name of the data space whose participants this catalogue lists'),
      participants: z
        .array(
          z
            .strictObject({
              id: z
                .string()
                .regex(/^[A-Za-z0-9._~-]{1,100}$/)
                .optional()
                .describe('Registry id (default: derived from the DID or address)'),
              did: z.string().startsWith('did:').optional().describe('DID of the participant'),
              address: z
                .url({ protocol: /^https?$/ })
                .optional()
                .describe('DSP address of its catalogue; default: the CatalogService of its DID document'),
              dataSpace: z
                .string()
                .min(1)
                .optional()
                .describe(
                  "Data space of its datasets (for another data space's catalogue); default: dataSpace",
                ),
              intervalSeconds: z
                .number()
                .int()
                .min(1)
                .optional()
                .describe('Crawl interval of this participant'),
            })
            .refine(
              (p) => p.did !== undefined || p.address !== undefined,
              'a participant needs did or address',
            ),
        )
        .default([])
        .describe('Catalogue role: the static part of the participant registry'),
      crawlIntervalSeconds: z
        .number()
        .int()
        .min(1)
        .default(3600)
        .describe('Catalogue role: time between crawls of a participant'),
      concurrency: z.number().int().min(1).max(256).default(8).describe('Catalogue role: crawls at once'),
      timeoutMs: z
        .number()
        .int()
        .min(100)
        .default(30_000)
        .describe('Catalogue role: timeout of one catalogue page request'),
      backoffBaseSeconds: z
        .number()
        .int()
        .min(1)
        .default(30)
        .describe('Catalogue role: first retry delay after a failed crawl (doubles each time)'),
      backoffMaxSeconds: z
        .number()
        .int()
        .min(1)
        .default(21_600)
        .describe('Catalogue role: longest retry delay after failed crawls'),
      pageSize: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(500)
        .describe('Catalogue role: datasets per page of the federated DSP catalogue'),
      crawl: z
        .boolean()
        .default(true)
        .describe('Catalogue role: crawl on a schedule (false: only `pontis catalogue crawl`)'),
      publicSearch: z
        .boolean()
        .default(false)
        .describe('Catalogue role: answer the public search API without a DCP token'),
      url: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe('Connector role: protocol base URL of the data space catalogue to search'),
      did: z
        .string()
        .startsWith('did:')
        .optional()
        .describe('Connector role: DID of the data space catalogue (the audience of its DCP token)'),
    })
    .prefault({})
    .describe('The catalogue role (federation), and the catalogue a connector searches'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
