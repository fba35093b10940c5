/**
 * Minimal types for the Digital Bazaar JavaScript packages (they ship none). Only what
 * src/identity uses; results are typed loosely on purpose because the libraries return plain
 * objects whose shape depends on the suite.
 */
declare module '@digitalbazaar/vc' {
  export type DocumentLoader = (
    url: string,
  ) => Promise<{ document: unknown; documentUrl?: string; contextUrl?: string | null }>;
  export interface VcVerifyResult {
    verified: boolean;
    error?: Error & { errors?: Error[] };
    results?: { verified: boolean; error?: Error }[];
  }
  export class CredentialIssuancePurpose {
    constructor(options?: { controller?: unknown; date?: string | Date; maxTimestampDelta?: number });
  }
  export function issue(options: {
    credential: object;
    suite: unknown;
    documentLoader: DocumentLoader;
    purpose?: unknown;
    now?: Date;
  }): Promise<Record<string, unknown>>;
  export function signPresentation(options: {
    presentation: object;
    suite: unknown;
    documentLoader: DocumentLoader;
    purpose?: unknown;
    domain?: string;
    challenge?: string;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: object;
    suite: unknown[];
    documentLoader: DocumentLoader;
    purpose?: unknown;
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>;
    now?: Date;
    maxClockSkew?: number;
  }): Promise<VcVerifyResult>;
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { cryptosuite: unknown; signer?: unknown; date?: string | Date });
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: unknown;
}

declare module '@digitalbazaar/ed25519-signature-2020' {
  export class Ed25519Signature2020 {
    constructor(options?: { signer?: unknown; key?: unknown; date?: string | Date });
  }
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519MultikeyKeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    signer(): { id?: string; algorithm: string; sign(o: { data: Uint8Array }): Promise<Uint8Array> };
    verifier(): {
      id?: string;
      algorithm: string;
      verify(o: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>;
    };
  }
  export function fromJwk(options: {
    jwk: object;
    secretKey?: boolean;
    id?: string;
    controller?: string;
  }): Promise<Ed25519MultikeyKeyPair>;
  export function from(key: object): Promise<Ed25519MultikeyKeyPair>;
}
