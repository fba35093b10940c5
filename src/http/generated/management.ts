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
}
