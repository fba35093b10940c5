/**
 * The protocol layer: DSP 2025-1 messages (types, validators, builders), the codec for incoming
 * bodies, the DSP HTTP client and the offline JSON-LD document loader.
 */
export * from './messages.js';
export * from './codec.js';
export * from './client.js';
export {
  BITSTRING_STATUS_LIST_V1_URL,
  CREDENTIALS_V1_URL,
  CREDENTIALS_V2_URL,
  DATA_INTEGRITY_V1_URL,
  DATA_INTEGRITY_V2_URL,
  DCP_CONTEXT_URL,
  DID_V1_URL,
  DSP_ODRL_PROFILE_URL,
  ED25519_2020_V1_URL,
  JWS_2020_V1_URL,
  MULTIKEY_V1_URL,
  ODRL_CONTEXT_URL,
  STATUS_LIST_2021_V1_URL,
  bundledContextUrls,
  isKnownContextUrl,
  offlineDocumentLoader,
  registerContext,
} from './jsonld/document-loader.js';
export type { RemoteDocument } from './jsonld/document-loader.js';
export { compactOffline, expandOffline, jsonld } from './jsonld/jsonld.js';
export type { JsonLdApi, JsonLdDocumentLoader } from './jsonld/jsonld.js';
