import type { VerifiedParticipant } from '../identity/participant.js';
import type { Queryable } from '../store/db.js';
import type { AgreementView } from '../transfer/agreements.js';

/**
 * The contracts between the parts of a running connector. Each module fills its field in `ctx.services`
 * (identity first, then policy, audit, catalog, negotiation, transfer); a module reads only the
 * services of modules built before it. The implementations live in the domain folders; these are the
 * seams, so that parts can be built and tested separately. Extend an interface freely; do not rename.
 */
export interface Services {
  /** This participant's DID (the runtime sets it from configuration; identity keeps it). */
  did: string;
  identity?: IdentityService;
  policies?: PolicyService;
  audit?: AuditService;
  catalog?: CatalogService;
  /** Other participants' catalogues, read over DSP (by address or DID). */
  peerCatalogs?: PeerCatalogService;
  negotiations?: NegotiationService;
  /** The catalogue role's crawler (issue 9), for `pontis catalogue crawl --once`. */
  federation?: FederationService;
}

/** Identity (issue 3): DCP on every DSP request, in and out, and this connector's signing key. */
export interface IdentityService {
  readonly did: string;
  /**
   * Authenticates an incoming DSP request as DCP 1.0 requires (the Authorization header's self-issued
   * token, then the caller's verified presentation). Throws UnauthorizedError (401) or ForbiddenError
   * (403) whose `code` names the failed check (e.g. `dcp_wrong_audience`).
   * `scopes`: credential scopes to ask the caller's credential service for (default: membership).
   */
  authenticate(
    authorization: string | undefined,
    options?: { scopes?: string[] },
  ): Promise<VerifiedParticipant>;
  /** The `Authorization` header value (`Bearer <self-issued token>`) for a DSP call to `audience` (the peer's DID). */
  authorizationFor(audience: string, options?: { scopes?: string[] }): Promise<string>;
  /**
   * The verified credentials of `did`, queried from its credential service and checked as `authenticate`
   * checks a caller's (signatures, status, trusted issuers, the scopes, default membership), for a
   * participant that is not calling us: the catalogue role verifies participants before crawling them.
   * Throws ForbiddenError/UnauthorizedError when they are not trusted. Optional until identity has it.
   */
  verifyParticipant?(did: string, options?: { scopes?: string[] }): Promise<VerifiedParticipant>;
  /**
   * Re-checks a participant verified earlier (revocation status, validity) and returns it with only the
   * credentials still valid: the transfer policy monitor calls it for running transfers. Optional.
   */
  refreshParticipant?(participant: VerifiedParticipant): Promise<VerifiedParticipant>;
  /** Signs a JWT/JWS with this connector's current key (EdDSA); `kid` is the key's DID URL. */
  sign(
    payload: Record<string, unknown>,
    options?: { typ?: string; expiresInSeconds?: number },
  ): Promise<string>;
  /** Verifies a JWT this connector signed (any key still listed in its DID document). Throws UnauthorizedError. */
  verifyOwn(jwt: string, options?: { typ?: string }): Promise<Record<string, unknown>>;
  /** The current signing key's public JWK, with `kid` = its DID URL (for tree heads and offline verification). */
  publicJwk(): Record<string, unknown>;
}

/** Policy definitions (issue 4, item 7). `compiled` is a CompiledPolicy from src/policy. */
export interface PolicyService {
  get(id: string, tx?: Queryable): Promise<{ id: string; policy: unknown; compiled: unknown } | undefined>;
}

/** The contract log (issue 8). Call inside the transaction of the change it records. */
export interface AuditService {
  append(
    tx: Queryable,
    entry: {
      type: string;
      actor: string;
      subjects: Record<string, string | undefined>;
      content: Record<string, unknown>;
    },
  ): Promise<{ seq: number }>;
  /** Several entries in one statement (consecutive seqs, in order); optional, else `append` each. */
  appendMany?(tx: Queryable, entries: Parameters<AuditService['append']>[1][]): Promise<unknown>;
}

/** What a consumer's ContractRequestMessage refers to, resolved by the provider's catalogue (issue 5). */
export interface ResolvedOffer {
  /** The offer's id as shown in the catalogue (`hasPolicy[].@id`): `<offerDefinitionId>:<assetId>:<version>`. */
  offerId: string;
  offerDefinitionId: string;
  datasetId: string;
  assetId: string;
  /** The ODRL Offer exactly as the catalogue shows it (no `target`), compacted DSP form. */
  policy: Record<string, unknown>;
  /** Provider behaviour chosen per offer definition. */
  negotiationMode: 'auto' | 'manual';
  transferMode: 'auto' | 'manual';
}

export interface CatalogService {
  /**
   * The current offer `offerId` for `datasetId` if it exists and its access policy lets `participant`
   * see it (catalog scope); undefined otherwise.
   */
  resolveOffer(input: {
    offerId: string;
    datasetId: string;
    participant: VerifiedParticipant;
  }): Promise<ResolvedOffer | undefined>;
  /** The private data address of an asset (never shown to other participants). */
  dataAddress(assetId: string): Promise<Record<string, unknown> | undefined>;
}

/** Other participants' catalogues, read over DSP. */
export interface PeerCatalogService {
  /** The DSP base URL a participant's DID document names (its CatalogService or DataService). */
  dspAddress(did: string): Promise<string>;
  /**
   * Offer `offerId` of dataset `datasetId` as the peer's catalogue shows it (with its `target`);
   * NotFoundError when the catalogue does not list it.
   */
  offer(input: {
    address?: string;
    did?: string;
    datasetId: string;
    offerId: string;
  }): Promise<Record<string, unknown>>;
}

/** Agreements reached (issue 6), as the transfer process needs them. */
export interface NegotiationService {
  /**
   * Starts a negotiation as consumer (as `POST /v1/negotiations` does): the connector's discovery route
   * (issue 9, item 5) starts one from a catalogue search result. `offer` carries its `target`.
   */
  start?(
    input: {
      counterPartyAddress: string;
      counterPartyId: string;
      offer: { '@id': string; '@type': 'Offer'; target?: string; [key: string]: unknown };
      datasetId?: string;
      manual?: boolean;
    },
    actor: string,
  ): Promise<{ id: string; state: string }>;
  /** FINALIZED agreements only (the transfer process's view: see src/transfer/agreements.ts). */
  agreement(agreementId: string, tx?: Queryable): Promise<AgreementView | undefined>;
}

/** The catalogue role (issue 9). */
export interface FederationService {
  /** Crawls every registered participant once, `concurrency` at a time, reporting progress. */
  crawlAll(hooks?: {
    onStart?(participants: number): void;
    onPage?(participantId: string, datasetsSoFar: number): void;
    onDone?(outcome: { participant: string; ok: boolean; datasets: number; error?: string }): void;
  }): Promise<{ participant: string; ok: boolean; datasets: number; error?: string }[]>;
}
