// Generated from openapi/catalogue.yaml by `npm run api:gen`. Do not edit.
export interface paths {
  '/v1/catalogue/search': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Full-text search over the federated catalogue, with facet filters and counts
     * @description `q` is a web-search style query (words, "quoted phrases", `-excluded`, `or`) matched with
     *     PostgreSQL full-text search (English stemming) against title, keywords, themes, publisher,
     *     description and formats. Several values of one facet match any of them; different facets
     *     must all match. Facet counts are over the whole filtered set.
     */
    get: operations['searchCatalogue'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/catalogue/participants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The participant registry, with each participant's crawl status */
    get: operations['listParticipants'];
    put?: never;
    /**
     * Register a participant (or another data space's catalogue) by DID or DSP address
     * @description With a DID only, the catalogue endpoint is the DID document's `CatalogService` (else its
     *     `DataService`). Only participants whose credentials the catalogue trusts are crawled;
     *     a participant known by address only has no credentials to check and is not crawled.
     *     The first crawl starts at once.
     */
    post: operations['addParticipant'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/catalogue/participants/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    /** One participant and its crawl status */
    get: operations['getParticipant'];
    put?: never;
    post?: never;
    /** Remove a participant; its datasets leave the catalogue at once */
    delete: operations['removeParticipant'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/catalogue/participants/{id}/crawl': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['Id'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Crawl this participant now and answer its new status */
    post: operations['crawlParticipant'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/catalogue/crawl-status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Crawl status of every participant, and totals */
    get: operations['getCrawlStatus'];
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
    FacetValues: string[];
    ParticipantInput:
      | {
          /** @description Registry id; derived when absent */
          id?: string;
          did?: string;
          /**
           * Format: uri
           * @description DSP base URL of its catalogue
           */
          address?: string;
          /** @description Data space of its datasets */
          dataSpace?: string;
          intervalSeconds?: number;
        }
      | unknown
      | unknown;
    Participant: {
      id: string;
      did: string | null;
      address: string | null;
      dataSpace: string | null;
      /** @enum {string} */
      origin: 'config' | 'api';
      intervalSeconds?: number | null;
      /**
       * @description `ok` last crawl succeeded; `stale` last crawl failed, the last good copy is listed;
       *     `failing` never crawled successfully; `untrusted` credentials not trusted, nothing listed.
       * @enum {string}
       */
      state: 'pending' | 'ok' | 'stale' | 'failing' | 'untrusted';
      /** Format: date-time */
      createdAt?: string;
      /** Format: date-time */
      lastAttemptAt?: string | null;
      /** Format: date-time */
      lastSuccessAt: string | null;
      lastError: string | null;
      /** Format: date-time */
      lastErrorAt?: string | null;
      /** @description Failed crawls since the last success */
      failures?: number;
      /** Format: date-time */
      nextCrawlAt: string;
      datasetCount: number;
    };
    ParticipantList: {
      items: components['schemas']['Participant'][];
      total: number;
      limit: number;
      offset: number;
    };
    CrawlStatus: {
      participants: number;
      datasets: number;
      states: {
        [key: string]: number;
      };
      items: components['schemas']['Participant'][];
    };
    Requirement: {
      /** @enum {string} */
      kind: 'membership' | 'purpose' | 'region' | 'uses' | 'time' | 'credential' | 'other';
      leftOperand: string;
      operator: string;
      value: unknown;
      /** @enum {string} */
      rule: 'permission' | 'prohibition' | 'obligation' | 'duty';
    };
    OfferSummary: {
      /** @description The offer id to negotiate for */
      id: string;
      actions: string[];
      requires: ('membership' | 'purpose' | 'region' | 'uses' | 'time' | 'credential' | 'other')[];
      constraints: components['schemas']['Requirement'][];
    };
    SearchHit: {
      datasetId: string;
      /** @description DID (participantId) of the provider */
      participant: string;
      dataSpace: string;
      /** @description Registry id of the participant or catalogue it was crawled from */
      source?: string;
      /** @description DSP address to negotiate with */
      endpoint: string;
      title: string;
      description?: string;
      publisher?: string | null;
      keywords?: string[];
      themes?: string[];
      formats?: string[];
      licenses?: string[];
      offers: components['schemas']['OfferSummary'][];
      /** @description The participant's last crawl failed; this is its last good copy */
      stale: boolean;
      /** Format: date-time */
      lastSuccessAt?: string | null;
      /** Format: date-time */
      crawledAt?: string;
    };
    FacetCount: {
      value: string;
      count: number;
    };
    SearchResult: {
      items: components['schemas']['SearchHit'][];
      total: number;
      limit: number;
      offset: number;
      facets?: {
        participant?: components['schemas']['FacetCount'][];
        dataSpace?: components['schemas']['FacetCount'][];
        publisher?: components['schemas']['FacetCount'][];
        keyword?: components['schemas']['FacetCount'][];
        theme?: components['schemas']['FacetCount'][];
        format?: components['schemas']['FacetCount'][];
        license?: components['schemas']['FacetCount'][];
      };
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
    /** @description Already registered, or being crawled */
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
  searchCatalogue: {
    parameters: {
      query?: {
        q?: string;
        participant?: components['schemas']['FacetValues'];
        dataSpace?: components['schemas']['FacetValues'];
        publisher?: components['schemas']['FacetValues'];
        keyword?: components['schemas']['FacetValues'];
        theme?: components['schemas']['FacetValues'];
        format?: components['schemas']['FacetValues'];
        license?: components['schemas']['FacetValues'];
        sort?: 'relevance' | 'title' | '-title' | 'participant' | '-participant' | 'crawled' | '-crawled';
        /** @description Include facet counts */
        facets?: boolean;
        /** @description Values per facet */
        facetLimit?: number;
        limit?: number;
        /** @description Items to skip */
        offset?: components['parameters']['Offset'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One page of matching datasets, the total, and facet counts */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SearchResult'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
    };
  };
  listParticipants: {
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
      /** @description Registered participants */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ParticipantList'];
        };
      };
      401: components['responses']['Unauthorized'];
    };
  };
  addParticipant: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ParticipantInput'];
      };
    };
    responses: {
      /** @description Registered */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Participant'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      409: components['responses']['Conflict'];
    };
  };
  getParticipant: {
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
      /** @description The participant */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Participant'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
    };
  };
  removeParticipant: {
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
  crawlParticipant: {
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
      /** @description The crawl ran (successfully or not; see `state` and `lastError`) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Participant'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  getCrawlStatus: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Per participant last success, last error and dataset count */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CrawlStatus'];
        };
      };
      401: components['responses']['Unauthorized'];
    };
  };
}
