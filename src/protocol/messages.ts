/**
 * The DSP 2025-1 message layer: types, zod validators and builders for every message and object
 * (compacted form), by area, plus a registry keyed by the compact `@type`.
 */
import type { z } from 'zod';
import { parseWith } from './messages/common.js';
import {
  CatalogErrorSchema,
  CatalogRequestMessageSchema,
  CatalogSchema,
  DatasetRequestMessageSchema,
  DatasetSchema,
} from './messages/catalog.js';
import {
  ContractAgreementMessageSchema,
  ContractAgreementVerificationMessageSchema,
  ContractNegotiationErrorSchema,
  ContractNegotiationEventMessageSchema,
  ContractNegotiationSchema,
  ContractNegotiationTerminationMessageSchema,
  ContractOfferMessageSchema,
  ContractRequestMessageSchema,
} from './messages/negotiation.js';
import {
  TransferCompletionMessageSchema,
  TransferErrorSchema,
  TransferProcessSchema,
  TransferRequestMessageSchema,
  TransferStartMessageSchema,
  TransferSuspensionMessageSchema,
  TransferTerminationMessageSchema,
} from './messages/transfer.js';

export * from './messages/common.js';
export * from './messages/catalog.js';
export * from './messages/negotiation.js';
export * from './messages/transfer.js';
export * from './messages/version.js';
export * from './messages/did-service.js';

/** Validators of every JSON-LD DSP message/object, keyed by its compact `@type`. */
export const dspMessageSchemas = {
  CatalogRequestMessage: CatalogRequestMessageSchema,
  DatasetRequestMessage: DatasetRequestMessageSchema,
  Catalog: CatalogSchema,
  Dataset: DatasetSchema,
  CatalogError: CatalogErrorSchema,
  ContractRequestMessage: ContractRequestMessageSchema,
  ContractOfferMessage: ContractOfferMessageSchema,
  ContractAgreementMessage: ContractAgreementMessageSchema,
  ContractAgreementVerificationMessage: ContractAgreementVerificationMessageSchema,
  ContractNegotiationEventMessage: ContractNegotiationEventMessageSchema,
  ContractNegotiationTerminationMessage: ContractNegotiationTerminationMessageSchema,
  ContractNegotiation: ContractNegotiationSchema,
  ContractNegotiationError: ContractNegotiationErrorSchema,
  TransferRequestMessage: TransferRequestMessageSchema,
  TransferStartMessage: TransferStartMessageSchema,
  TransferSuspensionMessage: TransferSuspensionMessageSchema,
  TransferCompletionMessage: TransferCompletionMessageSchema,
  TransferTerminationMessage: TransferTerminationMessageSchema,
  TransferProcess: TransferProcessSchema,
  TransferError: TransferErrorSchema,
} as const;

export type DspMessageType = keyof typeof dspMessageSchemas;
export type DspMessageMap = { [K in DspMessageType]: z.infer<(typeof dspMessageSchemas)[K]> };
export type DspMessage = DspMessageMap[DspMessageType];

export function isDspMessageType(type: unknown): type is DspMessageType {
  return typeof type === 'string' && Object.hasOwn(dspMessageSchemas, type);
}

/**
 * Validates an already-compacted DSP message as plain JSON. Throws ValidationError with
 * `details.pointer` (JSON pointer of the first problem) and `details.issues` (all of them).
 * `@type` must be `expectedType`.
 */
export function validateDspMessage<T extends DspMessageType>(
  expectedType: T,
  json: unknown,
): DspMessageMap[T] {
  const schema = dspMessageSchemas[expectedType] as unknown as z.ZodType<DspMessageMap[T]>;
  return parseWith(schema, json, expectedType);
}
