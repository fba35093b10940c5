/**
 * DSP 2025-1 Transfer Process Protocol: the five messages, the TransferProcess resource,
 * TransferError and DataAddress (with endpointProperties), in compacted form.
 */
import { z } from 'zod';
import { ContextSchema, HttpUrl, NonEmptyString, ReasonSchema, dspContext } from './common.js';

export const TRANSFER_STATES = ['REQUESTED', 'STARTED', 'TERMINATED', 'COMPLETED', 'SUSPENDED'] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];

export const EndpointPropertySchema = z.looseObject({
  '@type': z.literal('EndpointProperty'),
  name: NonEmptyString,
  value: z.string(),
});
export type EndpointProperty = z.infer<typeof EndpointPropertySchema>;

export const DataAddressSchema = z.looseObject({
  '@type': z.literal('DataAddress'),
  endpointType: NonEmptyString,
  endpoint: z.string().optional(),
  endpointProperties: z.array(EndpointPropertySchema).min(1).optional(),
});
export type DataAddress = z.infer<typeof DataAddressSchema>;

export const TransferRequestMessageSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('TransferRequestMessage'),
  consumerPid: NonEmptyString,
  agreementId: NonEmptyString,
  format: NonEmptyString,
  callbackAddress: HttpUrl,
  /** Push transfers: where the provider delivers. */
  dataAddress: DataAddressSchema.optional(),
});
export type TransferRequestMessage = z.infer<typeof TransferRequestMessageSchema>;

export const TransferStartMessageSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('TransferStartMessage'),
  providerPid: NonEmptyString,
  consumerPid: NonEmptyString,
  /** Pull transfers: where the consumer fetches (the EDR). */
  dataAddress: DataAddressSchema.optional(),
});
export type TransferStartMessage = z.infer<typeof TransferStartMessageSchema>;

export const TransferCompletionMessageSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('TransferCompletionMessage'),
  providerPid: NonEmptyString,
  consumerPid: NonEmptyString,
});
export type TransferCompletionMessage = z.infer<typeof TransferCompletionMessageSchema>;

const withCodeAndReason = <T extends string>(type: T) =>
  z.looseObject({
    '@context': ContextSchema,
    '@type': z.literal(type),
    providerPid: NonEmptyString,
    consumerPid: NonEmptyString,
    code: z.string().optional(),
    reason: ReasonSchema.optional(),
  });

export const TransferSuspensionMessageSchema = withCodeAndReason('TransferSuspensionMessage');
export type TransferSuspensionMessage = z.infer<typeof TransferSuspensionMessageSchema>;

export const TransferTerminationMessageSchema = withCodeAndReason('TransferTerminationMessage');
export type TransferTerminationMessage = z.infer<typeof TransferTerminationMessageSchema>;

export const TransferErrorSchema = withCodeAndReason('TransferError');
export type TransferError = z.infer<typeof TransferErrorSchema>;

export const TransferProcessSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('TransferProcess'),
  providerPid: NonEmptyString,
  consumerPid: NonEmptyString,
  state: z.enum(TRANSFER_STATES),
});
export type TransferProcess = z.infer<typeof TransferProcessSchema>;

// ---- builders ----

export interface DataAddressInput {
  endpointType: string;
  endpoint?: string;
  /** name → value, or ready-made properties. Left out when empty. */
  endpointProperties?: Record<string, string> | { name: string; value: string }[];
}

export function buildDataAddress(input: DataAddressInput): DataAddress {
  const props = Array.isArray(input.endpointProperties)
    ? input.endpointProperties
    : Object.entries(input.endpointProperties ?? {}).map(([name, value]) => ({ name, value }));
  return {
    '@type': 'DataAddress',
    endpointType: input.endpointType,
    ...(input.endpoint !== undefined ? { endpoint: input.endpoint } : {}),
    ...(props.length > 0
      ? {
          endpointProperties: props.map((p) => ({
            '@type': 'EndpointProperty' as const,
            name: p.name,
            value: p.value,
          })),
        }
      : {}),
  };
}

/** Reads endpointProperties back into a name → value map (last one wins). */
export function endpointPropertiesOf(address: DataAddress): Record<string, string> {
  return Object.fromEntries((address.endpointProperties ?? []).map((p) => [p.name, p.value]));
}

export function buildTransferRequestMessage(input: {
  consumerPid: string;
  agreementId: string;
  format: string;
  callbackAddress: string;
  dataAddress?: DataAddress;
}): TransferRequestMessage {
  return {
    '@context': dspContext(),
    '@type': 'TransferRequestMessage',
    consumerPid: input.consumerPid,
    agreementId: input.agreementId,
    format: input.format,
    callbackAddress: input.callbackAddress,
    ...(input.dataAddress !== undefined ? { dataAddress: input.dataAddress } : {}),
  };
}

export interface TransferPidsInput {
  providerPid: string;
  consumerPid: string;
}

export function buildTransferStartMessage(
  input: TransferPidsInput & { dataAddress?: DataAddress },
): TransferStartMessage {
  return {
    '@context': dspContext(),
    '@type': 'TransferStartMessage',
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
    ...(input.dataAddress !== undefined ? { dataAddress: input.dataAddress } : {}),
  };
}

export function buildTransferCompletionMessage(input: TransferPidsInput): TransferCompletionMessage {
  return {
    '@context': dspContext(),
    '@type': 'TransferCompletionMessage',
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
  };
}

export interface TransferCodeReasonInput extends TransferPidsInput {
  code?: string;
  /** Left out when empty (the schema wants at least one item if present). */
  reason?: unknown[];
}

function codeAndReason(input: TransferCodeReasonInput) {
  return {
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
    ...(input.code !== undefined ? { code: input.code } : {}),
    ...(input.reason !== undefined && input.reason.length > 0 ? { reason: input.reason } : {}),
  };
}

export function buildTransferSuspensionMessage(input: TransferCodeReasonInput): TransferSuspensionMessage {
  return { '@context': dspContext(), '@type': 'TransferSuspensionMessage', ...codeAndReason(input) };
}

export function buildTransferTerminationMessage(input: TransferCodeReasonInput): TransferTerminationMessage {
  return { '@context': dspContext(), '@type': 'TransferTerminationMessage', ...codeAndReason(input) };
}

export function buildTransferError(input: TransferCodeReasonInput): TransferError {
  return { '@context': dspContext(), '@type': 'TransferError', ...codeAndReason(input) };
}

export function buildTransferProcess(input: TransferPidsInput & { state: TransferState }): TransferProcess {
  return {
    '@context': dspContext(),
    '@type': 'TransferProcess',
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
    state: input.state,
  };
}
