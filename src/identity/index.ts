/**
 * Identity: keys, DIDs, credentials (verify and issue), status lists, trusted issuers, DCP.
 * Pure logic and thin adapters; HTTP and storage come in through plain interfaces
 * (FetchJson, JtiStore, CredentialStore).
 */
export type { VerifiedCredential, VerifiedParticipant } from './participant.js';

export {
  generateKeyPair,
  loadKeys,
  importSigningKey,
  keyRingFrom,
  keyFileContent,
  rotateKeyFile,
  toPublicJwk,
  jwsAlgorithmFor,
} from './keys.js';
export type {
  KeyAlgorithm,
  JwsAlgorithm,
  KeyRing,
  SigningKey,
  PublicKeyEntry,
  GeneratedKey,
  KeySource,
  KeyFileJwk,
  JoseKey,
} from './keys.js';

export {
  buildDidDocument,
  didWebFromUrl,
  didWebToUrl,
  findService,
  verificationMethodFor,
  CREDENTIAL_SERVICE_TYPE,
  DSP_SERVICE_TYPE,
} from './did.js';
export type {
  DidDocument,
  VerificationMethod,
  DidService,
  VerificationRelationship,
  BuildDidDocumentOptions,
} from './did.js';
export { createDidResolver } from './resolver.js';
export type { DidResolver, DidResolverOptions } from './resolver.js';
export { createFetchJson, isLoopbackHost } from './http.js';
export type { FetchJson, FetchJsonInit, FetchJsonOptions, AssertAllowedUrl } from './http.js';

export { createCredentialVerifier, ENVELOPED_VC_PREFIX } from './verifier.js';
export type { CredentialVerifier, CredentialVerifierOptions, VerifyCallOptions } from './verifier.js';
export type { CheckName, CheckError, VerifyResult, JsonObject } from './credential-model.js';
export { checkTrustedIssuer, isTrustedIssuer } from './trust.js';
export type { TrustedIssuers } from './trust.js';
export {
  createStatusList,
  getStatusBit,
  setStatusBit,
  encodeStatusList,
  decodeStatusList,
  buildStatusListCredential,
  statusEntry,
  createStatusChecker,
  MIN_STATUS_LIST_LENGTH,
} from './status-list.js';
export type {
  StatusList,
  StatusPurpose,
  StatusListForm,
  StatusChecker,
  StatusCheckerOptions,
} from './status-list.js';
export { issueCredential, issuePresentation, assertIssuable, jwtSignerFor } from './issue.js';
export type {
  CredentialFormat,
  IssueCredentialOptions,
  IssuePresentationOptions,
  JwtSigner,
} from './issue.js';
export { PONTIS_CREDENTIALS_CONTEXT, registerPontisContexts } from './contexts.js';

export {
  createSelfIssuedToken,
  createAccessToken,
  verifySelfIssuedToken,
  createDcpVerifier,
  verifyDcpRequest,
  answerPresentationQuery,
  verifyAccessToken,
  createMemoryParticipantCache,
  presentationRefusalCode,
  typeScope,
  parseScope,
  MAX_TOKEN_LIFETIME_SECONDS,
  DCP_TYPE_SCOPE_ALIAS,
} from './dcp.js';
export type {
  DcpVerifier,
  DcpVerifierOptions,
  SelfIssuedTokenOptions,
  ParticipantCache,
  PresentationResponseMessage,
  CredentialServiceOptions,
} from './dcp.js';
export { createPresenter, importCredential, receiveCredentialMessage } from './holder.js';
export { queryAndVerify } from './dcp.js';
export { createIdentityService } from './service.js';
export type { IdentityServiceImpl, IdentityServiceOptions } from './service.js';
export {
  createIssuer,
  requestCredential,
  ISSUER_SERVICE_TYPE,
  ONBOARDING_SECRET_HEADER,
  DELIVERY_TOPIC,
} from './issuer.js';
export type { Issuer, IssuerOptions, IssuedRecord, CredentialTemplate } from './issuer.js';
export { createSqlJtiStore, createSqlCredentialStore } from './sql-stores.js';
export { createMemoryJtiStore, createMemoryCredentialStore } from './stores.js';
export type { JtiStore, CredentialStore, HeldCredential, HeldCredentialFormat } from './stores.js';

import type { CredentialVerifierOptions, VerifyCallOptions } from './verifier.js';
import { createCredentialVerifier } from './verifier.js';
import type { VerifyResult } from './credential-model.js';

/** One-off credential verification (builds a verifier; keep one with createCredentialVerifier for repeated use). */
export function verifyCredential(
  input: unknown,
  options: CredentialVerifierOptions,
  call: VerifyCallOptions = {},
): Promise<VerifyResult> {
  return createCredentialVerifier(options).verifyCredential(input, call);
}

/** One-off presentation verification (see verifyCredential). */
export function verifyPresentation(
  input: unknown,
  options: CredentialVerifierOptions,
  call: VerifyCallOptions = {},
): Promise<VerifyResult> {
  return createCredentialVerifier(options).verifyPresentation(input, call);
}
