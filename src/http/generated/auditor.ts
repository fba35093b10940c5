// Generated from openapi/auditor.yaml by `npm run api:gen`. Do not edit.
export interface paths {
  '/entries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Entries by seq range and filter, in seq order */
    get: operations['listAuditEntries'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/entries/{seq}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One entry */
    get: operations['getAuditEntry'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/entries/{seq}/inclusion-proof': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Inclusion proof of an entry (RFC 9162 section 2.1.3)
     * @description Without `treeSize`, the proof leads to the latest signed tree head that covers the entry
     *     (signed now when none does yet), which is returned with it.
     */
    get: operations['getInclusionProof'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/consistency-proof': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Consistency proof between two tree sizes (RFC 9162 section 2.1.4) */
    get: operations['getConsistencyProof'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/tree-heads': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Historical signed tree heads, by size */
    get: operations['listTreeHeads'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/tree-heads/latest': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The latest signed tree head
     * @description With `fresh=true` a new head is signed at the current size first (on demand). Signing a
     *     head changes no entry; it is the only effect any auditor request has.
     */
    get: operations['getLatestTreeHead'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The whole log as JSON Lines (streamed), for `pontis audit verify`
     * @description Line 1: `{"format":"pontis-audit-export/1","logId","treeSize","treeHead","exportedAt"}` with a
     *     head signed for this export. Then one entry per line (seq 0..treeSize-1, the entry fields plus
     *     `leafHash`, the hash recorded at append time), then `{"treeHead": jws}` for every stored head.
     */
    get: operations['exportAuditLog'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/receipts/{agreementId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An agreement's receipt (entry, inclusion proof, signed tree head) */
    get: operations['getAgreementReceipt'];
    put?: never;
    post?: never;
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
      error: string;
      message: string;
      details?: unknown;
    };
    SubjectId: string;
    /** @description SHA-256, lowercase hex */
    Hash: string;
    AuditEntry: {
      /** @description Leaf index; 0..n-1 without gaps */
      seq: number;
      /**
       * Format: date-time
       * @description ISO 8601 UTC with milliseconds
       */
      time: string;
      /** @description negotiation.transition, transfer.transition, agreement, enforcement.decisions (the data plane's decisions on one transfer in one group commit, each with its time, outcome, rule, path, purpose and usage count, and a denial's failing constraint and reasons; logs written before it hold one enforcement.decision per request), credential.verification, management.change, ... */
      type: string;
      /** @description A DID, or an API principal such as apikey:management */
      actor: string;
      subjects: {
        negotiationId?: string;
        agreementId?: string;
        transferId?: string;
        participant?: string;
        assetId?: string;
        offerId?: string;
      } & {
        [key: string]: string;
      };
      content: {
        [key: string]: unknown;
      };
      leafHash: components['schemas']['Hash'];
    };
    EntryList: {
      items: components['schemas']['AuditEntry'][];
      total: number;
      limit: number;
      offset: number;
    };
    TreeHead: {
      /** @description The connector's DID */
      logId: string;
      treeSize: number;
      rootHash: components['schemas']['Hash'];
      /** Format: date-time */
      timestamp: string;
      /** @description DID URL of the signing key */
      kid: string;
      /** @description The signed tree head, compact JWS (EdDSA) */
      jws: string;
    };
    TreeHeadList: {
      items: components['schemas']['TreeHead'][];
      total: number;
      limit: number;
      offset: number;
    };
    InclusionProof: {
      leafIndex: number;
      treeSize: number;
      leafHash: components['schemas']['Hash'];
      /** @description From the leaf upwards */
      proof: components['schemas']['Hash'][];
      /** @description Compact JWS of the signed head at treeSize, when one was used */
      treeHead?: string;
    };
    ConsistencyProof: {
      size1: number;
      size2: number;
      proof: components['schemas']['Hash'][];
    };
    Receipt: {
      /** @constant */
      format: 'pontis-audit-receipt/1';
      logId: string;
      /** @description The agreement entry (seq, time, type, actor, subjects, content) */
      entry: Record<string, never>;
      leafHash: components['schemas']['Hash'];
      /** @description Compact JWS */
      treeHead: string;
      inclusionProof: components['schemas']['Hash'][];
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
    /** @description The credential is not the auditor credential */
    Forbidden: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No such entry, size or agreement */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No tree head can be signed (no signing key) */
    Conflict: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
  };
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  listAuditEntries: {
    parameters: {
      query?: {
        /** @description First seq (inclusive) */
        from?: number;
        /** @description Last seq (exclusive) */
        to?: number;
        negotiationId?: components['schemas']['SubjectId'];
        agreementId?: components['schemas']['SubjectId'];
        transferId?: components['schemas']['SubjectId'];
        /** @description The counter-party's DID */
        participant?: components['schemas']['SubjectId'];
        assetId?: components['schemas']['SubjectId'];
        /** @description Entry type, e.g. agreement */
        type?: string;
        actor?: string;
        /** @description time >= since */
        since?: string;
        /** @description time < until */
        until?: string;
        /** @description Items per page */
        limit?: number;
        /** @description Items to skip */
        offset?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of entries */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EntryList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  getAuditEntry: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        seq: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The entry */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AuditEntry'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  getInclusionProof: {
    parameters: {
      query?: {
        treeSize?: number;
      };
      header?: never;
      path: {
        seq: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The proof */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['InclusionProof'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  getConsistencyProof: {
    parameters: {
      query: {
        first: number;
        /** @description Default the current size */
        second?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The proof */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ConsistencyProof'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  listTreeHeads: {
    parameters: {
      query?: {
        minSize?: number;
        maxSize?: number;
        /** @description Items per page */
        limit?: number;
        /** @description Items to skip */
        offset?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of tree heads */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TreeHeadList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  getLatestTreeHead: {
    parameters: {
      query?: {
        fresh?: boolean;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The tree head */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TreeHead'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  exportAuditLog: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The export */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-ndjson': string;
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  getAgreementReceipt: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        agreementId: components['schemas']['SubjectId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The receipt; `pontis audit verify --receipt` checks it */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Receipt'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
}
