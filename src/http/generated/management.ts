// Generated from openapi/management.yaml by `npm run api:gen`. Do not edit.
export interface paths {
  '/v1/info': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Who this connector is and where its listeners are */
    get: operations['getInfo'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/negotiations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List negotiations (both roles) with filters and paging */
    get: operations['listNegotiations'];
    put?: never;
    /**
     * Start a contract negotiation as consumer (sends a ContractRequestMessage to the provider)
     * @description The provider is given by its DID (`counterPartyId`) and its DSP address (`counterPartyAddress`);
     *     without the address, the connector reads it from the DID document (its CatalogService or
     *     DataService entry). The terms are given as the `offer` itself, or as `offerId` and `datasetId`,
     *     which the connector looks up in the provider's catalogue. `connectorAddress` and `providerId` are
     *     accepted as aliases of `counterPartyAddress` and `counterPartyId` (the DSP TCK's initiate call).
     */
    post: operations['startNegotiation'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/negotiations/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One negotiation with its history and the steps allowed now */
    get: operations['getNegotiation'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/negotiations/{id}/{step}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Take a protocol step by hand
     * @description Provider: offer, agree, finalize, terminate. Consumer: request (counter-request), accept,
     *     verify, terminate. 409 with the reason when the role or the state does not allow the step;
     *     `agree` also answers 409 when the contract policy does not permit the consumer.
     */
    post: operations['negotiationStep'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/agreements': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Contract agreements reached (finalized negotiations) */
    get: operations['listAgreements'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/agreements/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One agreement with its ODRL policy and digest */
    get: operations['getAgreement'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/agreements/{id}/receipt': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The agreement's receipt from the provider's contract log
     * @description The agreement's entry in the provider's tamper-evident log, its inclusion proof and a signed
     *     tree head, to keep and check offline with `pontis audit verify --receipt FILE --did PROVIDER_DID`.
     *     A provider answers from its own log; a consumer fetches the receipt from the provider
     *     (DCP-authenticated), since the provider's log is the one that records the agreement.
     */
    get: operations['getAgreementReceipt'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/agreements/{id}/retire': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Retire an agreement (no new transfers from now on) */
    post: operations['retireAgreement'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/negotiation-webhooks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** URLs that receive every negotiation state change */
    get: operations['listNegotiationWebhooks'];
    put?: never;
    /** Register a webhook (POSTed a JSON event per state change, retried until delivered) */
    post: operations['createNegotiationWebhook'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/negotiation-webhooks/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Remove a webhook */
    delete: operations['deleteNegotiationWebhook'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/policies': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List policy definitions */
    get: operations['listPolicies'];
    put?: never;
    /** Store a policy definition (checked on write; every problem is listed with a JSON pointer) */
    post: operations['createPolicy'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/policies/validate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Check an ODRL policy without storing it */
    post: operations['validatePolicy'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/policies/evaluate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Dry run - evaluate a stored or given policy against a context you describe
     * @description The participant's credentials given here are taken as verified: this is a what-if for operators,
     *     not an authentication. `now` defaults to the time of the request.
     */
    post: operations['evaluatePolicy'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/policies/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    /** One policy definition */
    get: operations['getPolicy'];
    /** Replace a policy definition (its version goes up) */
    put: operations['updatePolicy'];
    post?: never;
    /** Delete a policy definition that no offer definition uses */
    delete: operations['deletePolicy'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/transfers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List and query transfer processes (both roles) */
    get: operations['listTransfers'];
    put?: never;
    /**
     * Consumer: request a transfer from a provider under an agreement
     * @description Sends a TransferRequestMessage to the provider. `connectorAddress` and `providerId` are accepted as
     *     aliases of `counterPartyAddress` and `counterPartyDid` (the DSP TCK's initiate call).
     */
    post: operations['requestTransfer'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/transfers/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One transfer with its history */
    get: operations['getTransfer'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/transfers/{id}/{action}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start (provider), suspend, resume, complete or terminate a transfer
     * @description Refused with 409 and the reason when the state or this side's role does not allow it.
     */
    post: operations['transferAction'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/transfers/{id}/edr': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Consumer: the current EDR of a started pull transfer (refreshed when near expiry) */
    get: operations['getTransferEdr'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/transfers/{id}/data': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Consumer: the transfer's data through the provider's data plane
     * @description A proxy: adds the token, refreshes it when needed, and streams the answer. Anything after `/data`
     *     (path and query) is passed on (e.g. `/v1/transfers/{id}/data/items?page=2`), and so are `Range`
     *     and `X-Purpose`. The provider's status and body come back unchanged (403 naming the rule on a denial).
     */
    get: operations['getTransferData'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/assets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List assets (data addresses included; this API is private) */
    get: operations['listAssets'];
    put?: never;
    /** Publish an asset (a dataset of the catalogue once an offer selects it) */
    post: operations['createAsset'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/assets/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    /** One asset */
    get: operations['getAsset'];
    /** Replace an asset's metadata and data address (its version goes up) */
    put: operations['updateAsset'];
    post?: never;
    /** Withdraw an asset from the catalogue */
    delete: operations['deleteAsset'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/offers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List offer definitions (what peers call contract definitions) */
    get: operations['listOffers'];
    put?: never;
    /** Define an offer (access policy, contract policy, asset selector) */
    post: operations['createOffer'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/offers/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    /** One offer definition */
    get: operations['getOffer'];
    /** Replace an offer definition (its version, the last part of the offer ids shown, goes up) */
    put: operations['updateOffer'];
    post?: never;
    /** Withdraw an offer definition */
    delete: operations['deleteOffer'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/catalog/request': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Fetch another participant's DSP catalogue (every page), by its DSP address or its DID */
    post: operations['requestRemoteCatalog'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/identity/did': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This connector's DID document (as served at /.well-known/did.json) */
    get: operations['getDidDocument'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/identity/credentials': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The credentials this connector holds (its credential service presents them) */
    get: operations['listHeldCredentials'];
    put?: never;
    /** Import a credential about this connector; it is verified (signature, issuer key, validity, status, trusted issuer) before it is stored */
    post: operations['importCredential'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/identity/credentials/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    /** One held credential */
    get: operations['getHeldCredential'];
    put?: never;
    post?: never;
    /** Delete a held credential */
    delete: operations['deleteHeldCredential'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/identity/credential-requests': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Ask an issuer (DCP issuance) for a credential; it is delivered to this connector's credential service */
    post: operations['requestCredential'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/credentials/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** W3C VC-API credential verification (JWT or Data Integrity) */
    post: operations['verifyCredentialVcApi'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/presentations/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** W3C VC-API presentation verification (JWT or Data Integrity); holder binding is checked */
    post: operations['verifyPresentationVcApi'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/issuer/credentials': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Issuer role: credentials issued and onboarding requests */
    get: operations['listIssuedCredentials'];
    put?: never;
    /** Issuer role: issue a credential (MembershipCredential or a configured template) to a holder */
    post: operations['issueCredential'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/issuer/credentials/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    /** Issuer role: one issued credential or request */
    get: operations['getIssuedCredential'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/issuer/credentials/{id}/{decision}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
        decision: 'revoke' | 'approve' | 'reject';
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Issuer role: revoke an issued credential, or approve / reject a waiting request */
    post: operations['decideIssuedCredential'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/discovery/search': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Search the data space catalogue configured in catalogue.url (its search API, with this connector's DCP token)
     * @description Passes the query to the catalogue's `GET /v1/catalogue/search` (see its catalogue API) and answers
     *     its result: datasets with their provider (`participant`, `endpoint`), data space, offer summaries,
     *     and facet counts. Start a negotiation for a result with `POST /v1/discovery/negotiations`.
     */
    get: operations['searchDataSpace'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/discovery/negotiations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start a negotiation for a search result
     * @description Fetches the dataset from its provider (`GET <endpoint>/catalog/datasets/<datasetId>`, DCP) so that the
     *     offer negotiated is the provider's current one, picks the offer `offerId` (default: the only one),
     *     and starts a negotiation as consumer, as `POST /v1/negotiations` does.
     */
    post: operations['negotiateSearchResult'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Error: {
      /** @description A stable machine-readable code */
      error: string;
      /** @description What is wrong */
      message: string;
      /** @description Where and why, e.g. { "pointer": "/title" } */
      details?: unknown;
    };
    ConnectorInfo: {
      name: string;
      /** @enum {string} */
      role: 'connector' | 'catalogue' | 'issuer';
      version: string;
      did: string;
      /** @enum {string} */
      database: 'pglite' | 'postgres';
      urls: {
        public: string;
        protocol: string;
        management: string;
        data: string;
        ops: string;
      };
    };
    /** @enum {string} */
    NegotiationState:
      'REQUESTED' | 'OFFERED' | 'ACCEPTED' | 'AGREED' | 'VERIFIED' | 'FINALIZED' | 'TERMINATED';
    /** @description An ODRL Offer in DSP compacted form (as the provider's catalogue shows it) */
    OdrlOffer: {
      '@id': string;
      /** @constant */
      '@type'?: 'Offer';
      target?: string;
    } & {
      [key: string]: unknown;
    };
    StartNegotiation: {
      /**
       * Format: uri
       * @description The provider's DSP base URL (default: from its DID document)
       */
      counterPartyAddress?: string;
      /**
       * Format: uri
       * @description Alias of counterPartyAddress
       */
      connectorAddress?: string;
      /** @description The provider's DID (participantId in its catalogue); required, or its alias providerId */
      counterPartyId?: string;
      /** @description Alias of counterPartyId */
      providerId?: string;
      offer?: components['schemas']['OdrlOffer'];
      /** @description Instead of `offer`: the offer's @id in the provider's catalogue (with datasetId) */
      offerId?: string;
      /** @description The dataset (default: the offer's target) */
      datasetId?: string;
      /**
       * @description Take no protocol step automatically
       * @default false
       */
      manual: boolean;
    };
    NegotiationStep: {
      offer?: components['schemas']['OdrlOffer'];
      /** @description terminate: a code for the counter-party */
      code?: string;
      /** @description terminate: reasons */
      reason?: string[];
    };
    Negotiation: {
      /** @description This connector's pid */
      id: string;
      /** @enum {string} */
      role: 'provider' | 'consumer';
      state: components['schemas']['NegotiationState'];
      providerPid?: string | null;
      consumerPid?: string | null;
      counterPartyId: string;
      counterPartyAddress: string;
      datasetId?: string | null;
      offerId?: string | null;
      offer?: {
        [key: string]: unknown;
      } | null;
      manual: boolean;
      agreementId?: string | null;
      termination?: {
        [key: string]: unknown;
      } | null;
      allowedSteps?: string[];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    NegotiationDetail: components['schemas']['Negotiation'] & {
      history: {
        from: string | null;
        to: string;
        message: string;
        /** @enum {string} */
        direction: 'in' | 'out' | 'local';
        actor: string;
        body?: unknown;
        reason?: unknown;
        /** Format: date-time */
        at: string;
      }[];
    };
    NegotiationList: {
      items: components['schemas']['Negotiation'][];
      total: number;
      limit: number;
      offset: number;
    };
    ContractAgreement: {
      id: string;
      negotiationId: string;
      /** @enum {string} */
      role: 'provider' | 'consumer';
      providerId: string;
      consumerId: string;
      datasetId: string;
      assetId?: string;
      /** @description The ODRL Agreement */
      policy: {
        [key: string]: unknown;
      };
      /** @description sha-256 (hex) of the RFC 8785 canonical agreement */
      digest: string;
      /** Format: date-time */
      signedAt: string;
      retired: boolean;
      /** Format: date-time */
      retiredAt?: string | null;
    };
    AgreementList: {
      items: components['schemas']['ContractAgreement'][];
      total: number;
      limit: number;
      offset: number;
    };
    NegotiationWebhook: {
      id: string;
      url: string;
      /** Format: date-time */
      createdAt: string;
    };
    /** @description Letters, digits and . _ ~ @ - (no ':', which separates the parts of offer ids) */
    PolicyId: string;
    /**
     * @description An ODRL 2.2 Set, Offer or Agreement: DSP 2025-1 compacted JSON-LD (an object) or expanded
     *     JSON-LD (an array holding one object). See policies/README.md.
     */
    OdrlPolicy: Record<string, never> | Record<string, never>[];
    PolicyDefinitionInput: {
      id?: components['schemas']['PolicyId'];
      description?: string;
      policy: components['schemas']['OdrlPolicy'];
    };
    PolicyDefinition: {
      id: string;
      description?: string;
      policy: components['schemas']['OdrlPolicy'];
      /** @enum {string} */
      type: 'Set' | 'Offer' | 'Agreement';
      leftOperands: string[];
      actions: string[];
      version: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    PolicyDefinitionList: {
      items: components['schemas']['PolicyDefinition'][];
      total: number;
      limit: number;
      offset: number;
    };
    PolicyProblem: {
      /** @description JSON pointer into the policy as written */
      pointer: string;
      message: string;
    };
    PolicyValidation: {
      valid: boolean;
      problems: components['schemas']['PolicyProblem'][];
    };
    /** @description Exactly one of policyId and policy */
    PolicyEvaluationRequest: {
      policyId?: components['schemas']['PolicyId'];
      policy?: components['schemas']['OdrlPolicy'];
      /** @enum {string} */
      scope: 'catalog' | 'negotiation' | 'transfer' | 'request';
      /** @default use */
      action: string;
      context?: components['schemas']['PolicyEvaluationContext'];
    };
    PolicyEvaluationContext: {
      /** Format: date-time */
      now?: string;
      participant?: {
        did: string;
        credentials: {
          id?: string;
          types: string[];
          issuer: string;
          subject: Record<string, never>;
          /** Format: date-time */
          validFrom?: string;
          /** Format: date-time */
          validUntil?: string;
        }[];
      };
      agreement?: {
        id: string;
        /** Format: date-time */
        signedAt: string;
      };
      usage?: {
        /** @description Uses so far */
        count: number;
      };
      purpose?: string;
      target?: string;
      dataspace?: {
        membershipCredentialType?: string;
        memberIssuers?: string[];
      };
    };
    PolicyDecision: {
      permitted: boolean;
      decidedBy: null | {
        /** @enum {string} */
        kind: 'permission' | 'prohibition' | 'obligation' | 'default';
        index: number;
        uid?: string;
      };
      trace: {
        pointer: string;
        rule: {
          /** @enum {string} */
          kind: 'permission' | 'prohibition' | 'obligation';
          index: number;
          duty?: number;
        };
        /** @enum {string} */
        kind: 'atomic' | 'and' | 'or' | 'xone' | 'andSequence';
        text: string;
        leftOperand?: string;
        operator?: string;
        rightValue?: unknown;
        leftValue?: unknown;
        /** @enum {string} */
        outcome: 'satisfied' | 'not-satisfied' | 'missing' | 'not-applicable' | 'not-evaluated';
        note?: string;
      }[];
      duties: {
        action: string;
        source: {
          /** @enum {string} */
          kind: 'permission' | 'obligation';
          index: number;
          duty?: number;
          uid?: string;
        };
        uid?: string;
        endpoint?: string;
        /** Format: date-time */
        deadline?: string;
        afterAgreement?: string;
        description: string;
      }[];
      reasons: string[];
    };
    /** @enum {string} */
    TransferState: 'REQUESTED' | 'STARTED' | 'SUSPENDED' | 'COMPLETED' | 'TERMINATED';
    Transfer: {
      /** @description This side's pid */
      id: string;
      /** @enum {string} */
      role: 'provider' | 'consumer';
      state: components['schemas']['TransferState'];
      providerPid?: string | null;
      consumerPid: string;
      agreementId: string;
      assetId?: string | null;
      /** @description HttpData-PULL or HttpData-PUSH */
      format: string;
      counterPartyDid: string;
      counterPartyAddress: string;
      /** @description Data requests served (provider). With several replicas, it also counts uses another replica has reserved ahead and not served yet (at most one block, given back within half a second). */
      usageCount: number;
      /** @description The provider waits for the operator to start it */
      manual: boolean;
      /** @description Code and reason of the last suspension or termination */
      reason?: unknown;
      error?: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    TransferWithHistory: components['schemas']['Transfer'] & {
      history: {
        from?: string | null;
        to: string;
        event: string;
        actor: string;
        reason?: unknown;
        /** Format: date-time */
        at: string;
      }[];
    };
    TransferRequest: {
      agreementId: string;
      /**
       * @default HttpData-PULL
       * @enum {string}
       */
      format: 'HttpData-PULL' | 'HttpData-PUSH';
      /**
       * Format: uri
       * @description The provider's DSP base URL (default: from the agreement)
       */
      counterPartyAddress?: string;
      /** Format: uri */
      connectorAddress?: string;
      counterPartyDid?: string;
      providerId?: string;
      /** @description Push: where the provider delivers (endpoint and endpointProperties such as authorization, authType) */
      dataAddress?: {
        endpointType?: string;
        /** Format: uri */
        endpoint: string;
        endpointProperties?: {
          name: string;
          value: string;
        }[];
      };
    };
    Edr: {
      transferId: string;
      endpoint: string;
      /** @description The access token */
      authorization: string;
      authType: string;
      /** Format: date-time */
      expiresAt?: string;
    };
    /** @description Also the dataset id in the catalogue; no ":" (offer ids are <offer>:<asset>:<version>) */
    AssetId: string;
    Distribution: {
      /** @description DSP transfer format, e.g. HttpData-PULL */
      format: string;
      /** @description e.g. text/csv */
      mediaType?: string;
      title?: string;
      description?: string;
    };
    HeaderInput: {
      name: string;
      /** @description A literal value (refused for credential headers) */
      value?: string;
      /** @description env:NAME or config:NAME (catalog.secrets) */
      secretRef?: string;
    };
    HttpDataAddress: {
      /** @constant */
      type: 'HttpData';
      baseUrl: string;
      /**
       * @default GET
       * @enum {string}
       */
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      headers?: components['schemas']['HeaderInput'][];
      /** @description The consumer's request path is appended to baseUrl */
      proxyPath?: boolean;
      /** @description The consumer's query string is passed on */
      proxyQuery?: boolean;
    };
    FileDataAddress: {
      /** @constant */
      type: 'File';
      /** @description Under catalog.fileRoot */
      path: string;
    };
    /** @description Private; never shown to other participants */
    DataAddress: components['schemas']['HttpDataAddress'] | components['schemas']['FileDataAddress'];
    AssetInput: {
      id?: components['schemas']['AssetId'];
      title: string;
      description?: string;
      keywords?: string[];
      /** @description IRIs of themes */
      themes?: string[];
      /** @description An IRI (a DID) or a name */
      publisher?: string;
      /** @description IRI of the licence */
      license?: string;
      language?: string[];
      /** @description IRI of a place */
      spatial?: string;
      temporal?: {
        /** Format: date-time */
        start?: string;
        /** Format: date-time */
        end?: string;
      };
      distributions?: components['schemas']['Distribution'][];
      /** @description Free-form properties that offer selectors match on (properties.<name>) */
      properties?: {
        [key: string]: string | number | boolean;
      };
      dataAddress: components['schemas']['DataAddress'];
    };
    Asset: components['schemas']['AssetInput'] & {
      version: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    AssetList: {
      items: components['schemas']['Asset'][];
      total: number;
      limit: number;
      offset: number;
    };
    Criterion: {
      /** @description id, title, keyword, theme, publisher, license or properties.<name> */
      property: string;
      /** @enum {string} */
      operator: 'eq' | 'in' | 'like';
      value: (string | number | boolean) | (string | number | boolean)[];
    };
    /** @description Every part given must hold; {} selects every asset */
    AssetSelector: {
      assetIds?: components['schemas']['AssetId'][];
      criteria?: components['schemas']['Criterion'][];
    };
    /** @description One of accessPolicyId/accessPolicy and one of contractPolicyId/contractPolicy */
    OfferInput: {
      id?: components['schemas']['AssetId'];
      /** @description A stored policy definition; decides who sees the datasets */
      accessPolicyId?: string;
      /** @description An ODRL policy given inline */
      accessPolicy?: Record<string, never>;
      /** @description A stored policy definition; what is offered */
      contractPolicyId?: string;
      /** @description An ODRL policy given inline */
      contractPolicy?: Record<string, never>;
      assetSelector?: components['schemas']['AssetSelector'];
      /**
       * @default auto
       * @enum {string}
       */
      negotiationMode: 'auto' | 'manual';
      /**
       * @default auto
       * @enum {string}
       */
      transferMode: 'auto' | 'manual';
    };
    Offer: components['schemas']['OfferInput'] & {
      version: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    OfferList: {
      items: components['schemas']['Offer'][];
      total: number;
      limit: number;
      offset: number;
    };
    /** @description Give address or did (or both; the DID is then the token audience) */
    RemoteCatalogRequest: {
      /** @description The peer's DSP base URL */
      address?: string;
      did?: string;
      filter?: unknown[];
      /** @description Skip the short-lived cache */
      refresh?: boolean;
    };
    RemoteCatalog: {
      participantId: string;
      address: string;
      did?: string;
      /** @description The DSP Catalog */
      catalog: Record<string, never>;
      datasets: Record<string, never>[];
      pages: number;
      truncated: boolean;
      /** Format: date-time */
      fetchedAt: string;
      cached: boolean;
    };
    HeldCredential: {
      id: string;
      /** @enum {string} */
      format: 'jwt' | 'json-ld';
      types: string[];
      issuer: string;
      /** Format: date-time */
      validUntil?: string;
      /** Format: date-time */
      receivedAt: string;
      credential: string | Record<string, never>;
    };
    VcApiVerifyResult: {
      verified: boolean;
      checks: string[];
      warnings: string[];
      errors: {
        /** @description format, context, signature, issuer_key, validity_period, holder_binding, status, trusted_issuer, audience or credentials */
        check: string;
        message: string;
        reason?: string;
        credentialIndex?: number;
      }[];
      credentials?: Record<string, never>[];
    };
    IssuedCredential: {
      id: string;
      holderDid: string;
      holderPid?: string;
      credentialType: string;
      /** @enum {string} */
      status: 'RECEIVED' | 'ISSUED' | 'REJECTED';
      claims?: Record<string, never>;
      statusIndex?: number;
      credential?: string | Record<string, never>;
      reason?: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      issuedAt?: string;
      /** Format: date-time */
      revokedAt?: string;
      /** Format: date-time */
      deliveredAt?: string;
      deliveryError?: string;
    };
    DiscoveryResult: {
      items: {
        datasetId: string;
        participant: string;
        dataSpace?: string;
        endpoint: string;
        title?: string;
        offers?: Record<string, never>[];
        stale?: boolean;
      }[];
      total: number;
      limit: number;
      offset: number;
      facets?: Record<string, never>;
    };
    NegotiateSearchResult: {
      datasetId: string;
      /** @description The provider's DID (the result's participant) */
      participant: string;
      /**
       * Format: uri
       * @description The provider's DSP address (the result's endpoint)
       */
      endpoint: string;
      /** @description Which offer (default: the only one) */
      offerId?: string;
      /** @default false */
      manual: boolean;
    };
    DiscoveryNegotiation: {
      /** @description The negotiation's id (this connector's pid) */
      id: string;
      state: string;
      counterPartyId: string;
      counterPartyAddress: string;
      datasetId: string;
      offerId: string;
    };
  };
  responses: {
    /** @description The request is malformed; the body says where */
    BadRequest: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Missing or invalid credentials */
    Unauthorized: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No such resource */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The resource's state does not allow this */
    Conflict: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
  };
  parameters: {
    /** @description Items per page */
    Limit: number;
    /** @description Items to skip */
    Offset: number;
    Id: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getInfo: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Connector information */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ConnectorInfo'];
        };
      };
      401: components['responses']['Unauthorized'];
    };
  };
  listNegotiations: {
    parameters: {
      query?: {
        /** @description Items per page */
        limit?: components['parameters']['Limit'];
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
        state?: components['schemas']['NegotiationState'];
        role?: 'provider' | 'consumer';
        counterPartyId?: string;
        datasetId?: string;
        /** @description Created at or after */
        since?: string;
        /** @description Created before */
        until?: string;
        sort?: 'createdAt' | '-createdAt' | 'updatedAt' | '-updatedAt' | 'state' | '-state';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of negotiations */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NegotiationList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  startNegotiation: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['StartNegotiation'];
      };
    };
    responses: {
      /** @description The negotiation, REQUESTED; the request is sent by the dispatcher */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Negotiation'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      /** @description The provider's DID document or catalogue could not be read */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getNegotiation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The negotiation */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NegotiationDetail'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  negotiationStep: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
        step: 'offer' | 'agree' | 'finalize' | 'terminate' | 'request' | 'accept' | 'verify';
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['NegotiationStep'];
      };
    };
    responses: {
      /** @description The negotiation in its new state; the message is sent by the dispatcher */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Negotiation'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  listAgreements: {
    parameters: {
      query?: {
        /** @description Items per page */
        limit?: components['parameters']['Limit'];
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
        role?: 'provider' | 'consumer';
        counterPartyId?: string;
        datasetId?: string;
        retired?: boolean;
        sort?: 'signedAt' | '-signedAt';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of agreements */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AgreementList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  getAgreement: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The agreement */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ContractAgreement'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  getAgreementReceipt: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The receipt (format pontis-audit-receipt/1) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            [key: string]: unknown;
          };
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      /** @description The provider did not answer or refused */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  retireAgreement: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The retired agreement */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ContractAgreement'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  listNegotiationWebhooks: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The webhooks */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['NegotiationWebhook'][];
          };
        };
      };
      401: components['responses']['Unauthorized'];
    };
  };
  createNegotiationWebhook: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** Format: uri */
          url: string;
        };
      };
    };
    responses: {
      /** @description The webhook */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NegotiationWebhook'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  deleteNegotiationWebhook: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Removed */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  listPolicies: {
    parameters: {
      query?: {
        /** @description Items per page */
        limit?: components['parameters']['Limit'];
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
        sort?: 'id' | '-id' | 'createdAt' | '-createdAt' | 'updatedAt' | '-updatedAt';
        /** @description ODRL policy type */
        type?: 'Set' | 'Offer' | 'Agreement';
        /** @description Policies with a constraint on this left operand (e.g. count, pontis:membership) */
        leftOperand?: string;
        /** @description Policies with a rule or duty for this action (e.g. use, delete) */
        action?: string;
        idPrefix?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of policy definitions */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PolicyDefinitionList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  createPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PolicyDefinitionInput'];
      };
    };
    responses: {
      /** @description The policy definition */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PolicyDefinition'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      409: components['responses']['Conflict'];
    };
  };
  validatePolicy: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          policy: components['schemas']['OdrlPolicy'];
        };
      };
    };
    responses: {
      /** @description Whether the policy is valid, and every problem with a JSON pointer into it */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PolicyValidation'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  evaluatePolicy: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PolicyEvaluationRequest'];
      };
    };
    responses: {
      /** @description The decision, the rule that decided, the trace of every constraint, duties and reasons */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PolicyDecision'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  getPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The policy definition */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PolicyDefinition'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  updatePolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PolicyDefinitionInput'];
      };
    };
    responses: {
      /** @description The policy definition */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PolicyDefinition'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  deletePolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  listTransfers: {
    parameters: {
      query?: {
        /** @description Items per page */
        limit?: components['parameters']['Limit'];
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
        sort?:
          | 'createdAt'
          | '-createdAt'
          | 'updatedAt'
          | '-updatedAt'
          | 'state'
          | '-state'
          | 'agreementId'
          | '-agreementId';
        role?: 'provider' | 'consumer';
        state?: components['schemas']['TransferState'];
        agreementId?: string;
        counterPartyDid?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of transfers */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['Transfer'][];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  requestTransfer: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TransferRequest'];
      };
    };
    responses: {
      /** @description The transfer, REQUESTED */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Transfer'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  getTransfer: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The transfer */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TransferWithHistory'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  transferAction: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
        action: 'start' | 'suspend' | 'resume' | 'complete' | 'terminate';
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          code?: string;
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The transfer after the step */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Transfer'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  getTransferEdr: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The EDR */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Edr'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  getTransferData: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The data */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Part of the data (Range) */
      206: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      401: components['responses']['Unauthorized'];
      /** @description The provider's policy denies this request */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  listAssets: {
    parameters: {
      query?: {
        /** @description Items per page */
        limit?: components['parameters']['Limit'];
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
        sort?: 'id' | '-id' | 'title' | '-title' | 'createdAt' | '-createdAt' | 'updatedAt' | '-updatedAt';
        /** @description Text in the title or description (case-insensitive) */
        q?: string;
        keyword?: string;
        theme?: string;
        idPrefix?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of assets */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AssetList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  createAsset: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AssetInput'];
      };
    };
    responses: {
      /** @description The asset */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Asset'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      409: components['responses']['Conflict'];
    };
  };
  getAsset: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The asset */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Asset'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  updateAsset: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AssetInput'];
      };
    };
    responses: {
      /** @description The asset */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Asset'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  deleteAsset: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  listOffers: {
    parameters: {
      query?: {
        /** @description Items per page */
        limit?: components['parameters']['Limit'];
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
        sort?: 'id' | '-id' | 'createdAt' | '-createdAt' | 'updatedAt' | '-updatedAt';
        /** @description Offers that use this stored policy as access or contract policy */
        policyId?: string;
        negotiationMode?: 'auto' | 'manual';
        transferMode?: 'auto' | 'manual';
        idPrefix?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of offer definitions */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OfferList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  createOffer: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['OfferInput'];
      };
    };
    responses: {
      /** @description The offer definition */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Offer'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      409: components['responses']['Conflict'];
    };
  };
  getOffer: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The offer definition */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Offer'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  updateOffer: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['OfferInput'];
      };
    };
    responses: {
      /** @description The offer definition */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Offer'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  deleteOffer: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  requestRemoteCatalog: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RemoteCatalogRequest'];
      };
    };
    responses: {
      /** @description The catalogue, pages merged */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RemoteCatalog'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description The peer could not be reached or answered wrongly */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getDidDocument: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The DID document */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            [key: string]: unknown;
          };
        };
      };
      401: components['responses']['Unauthorized'];
    };
  };
  listHeldCredentials: {
    parameters: {
      query?: {
        /** @description Items per page */
        limit?: components['parameters']['Limit'];
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Held credentials */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['HeldCredential'][];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      401: components['responses']['Unauthorized'];
    };
  };
  importCredential: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @description A JWT (VC-JOSE or VC-JWT) or a Data Integrity credential */
          credential: string | Record<string, never>;
        };
      };
    };
    responses: {
      /** @description Stored */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HeldCredential'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description The credential does not verify or is not about this connector; `error` names the failed check */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getHeldCredential: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The credential */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HeldCredential'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  deleteHeldCredential: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  requestCredential: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          issuerDid: string;
          /** @description Default: the membership credential type */
          credentialType?: string;
          /** @description The issuer approves at once when this matches */
          onboardingSecret?: string;
        };
      };
    };
    responses: {
      /** @description The issuer's answer (ISSUED when approved at once, RECEIVED when an operator must approve) */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            issuerPid: string;
            /** @enum {string} */
            status: 'RECEIVED' | 'ISSUED' | 'REJECTED';
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  verifyCredentialVcApi: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          verifiableCredential: string | Record<string, never>;
          options?: Record<string, never>;
        };
      };
    };
    responses: {
      /** @description Verified */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VcApiVerifyResult'];
        };
      };
      /** @description Malformed input (format or context check failed) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VcApiVerifyResult'] | components['schemas']['Error'];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description Does not verify; `errors` names each failed check */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VcApiVerifyResult'];
        };
      };
    };
  };
  verifyPresentationVcApi: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          verifiablePresentation: string | Record<string, never>;
          options?: {
            /** @description Expected audience (JWT aud / proof domain) */
            domain?: string;
            challenge?: string;
          };
        };
      };
    };
    responses: {
      /** @description Verified */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VcApiVerifyResult'];
        };
      };
      /** @description Malformed input (format or context check failed) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VcApiVerifyResult'] | components['schemas']['Error'];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description Does not verify; `errors` names each failed check */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VcApiVerifyResult'];
        };
      };
    };
  };
  listIssuedCredentials: {
    parameters: {
      query?: {
        /** @description Items per page */
        limit?: components['parameters']['Limit'];
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Issued credentials and requests */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['IssuedCredential'][];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      401: components['responses']['Unauthorized'];
    };
  };
  issueCredential: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          holderDid: string;
          type?: string;
          claims?: Record<string, never>;
          /** @description Deliver to the holder's credential service */
          deliver?: boolean;
        };
      };
    };
    responses: {
      /** @description Issued */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['IssuedCredential'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  getIssuedCredential: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The record */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['IssuedCredential'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  decideIssuedCredential: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
        decision: 'revoke' | 'approve' | 'reject';
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The record after the decision */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['IssuedCredential'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  searchDataSpace: {
    parameters: {
      query?: {
        q?: string;
        participant?: string[];
        dataSpace?: string[];
        publisher?: string[];
        keyword?: string[];
        theme?: string[];
        format?: string[];
        license?: string[];
        sort?: string;
        facets?: boolean;
        limit?: number;
        offset?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The catalogue's answer (items, total, limit, offset, facets) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DiscoveryResult'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description No catalogue is configured (catalogue.url) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The catalogue did not answer */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  negotiateSearchResult: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['NegotiateSearchResult'];
      };
    };
    responses: {
      /** @description The negotiation started (REQUESTED); follow it under /v1/negotiations/{id} */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DiscoveryNegotiation'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      /** @description The provider did not answer */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
}
