/**
 * DSP 2025-1 Contract Negotiation Protocol: the six messages, the ContractNegotiation resource and
 * ContractNegotiationError, in compacted form.
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import {
  AgreementSchema,
  ContextSchema,
  HttpUrl,
  MessageOfferSchema,
  NonEmptyString,
  ReasonSchema,
  dspContext,
  type Agreement,
  type MessageOffer,
} from './common.js';

export const NEGOTIATION_STATES = [
  'REQUESTED',
  'OFFERED',
  'ACCEPTED',
  'AGREED',
  'VERIFIED',
  'FINALIZED',
  'TERMINATED',
] as const;
export type NegotiationState = (typeof NEGOTIATION_STATES)[number];
export const NEGOTIATION_EVENT_TYPES = ['ACCEPTED', 'FINALIZED'] as const;
export type NegotiationEventType = (typeof NEGOTIATION_EVENT_TYPES)[number];

const atLeastOne = (keys: string[]) => (m: Record<string, unknown>) => keys.some((k) => m[k] !== undefined);

/**
 * Consumer → provider. The first request has `callbackAddress` and no `providerPid`; a counter-request
 * has `providerPid`. Decoding accepts either or both (peers differ); the builder writes exactly one.
 */
export const ContractRequestMessageSchema = z
  .looseObject({
    '@context': ContextSchema,
    '@type': z.literal('ContractRequestMessage'),
    consumerPid: NonEmptyString,
    providerPid: NonEmptyString.optional(),
    offer: MessageOfferSchema,
    callbackAddress: HttpUrl.optional(),
  })
  .refine(atLeastOne(['callbackAddress', 'providerPid']), {
    message: 'an initial request needs callbackAddress; a counter-request needs providerPid',
    path: ['callbackAddress'],
  });
export type ContractRequestMessage = z.infer<typeof ContractRequestMessageSchema>;

/** Provider → consumer. The first offer has `callbackAddress`; a counter-offer has `consumerPid`. */
export const ContractOfferMessageSchema = z
  .looseObject({
    '@context': ContextSchema,
    '@type': z.literal('ContractOfferMessage'),
    providerPid: NonEmptyString,
    consumerPid: NonEmptyString.optional(),
    offer: MessageOfferSchema.refine((o) => typeof o.target === 'string', {
      message: 'an offer in a ContractOfferMessage needs a target',
      path: ['target'],
    }),
    callbackAddress: HttpUrl.optional(),
  })
  .refine(atLeastOne(['callbackAddress', 'consumerPid']), {
    message: 'an initial offer needs callbackAddress; a counter-offer needs consumerPid',
    path: ['callbackAddress'],
  });
export type ContractOfferMessage = z.infer<typeof ContractOfferMessageSchema>;

export const ContractAgreementMessageSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('ContractAgreementMessage'),
  providerPid: NonEmptyString,
  consumerPid: NonEmptyString,
  agreement: AgreementSchema,
});
export type ContractAgreementMessage = z.infer<typeof ContractAgreementMessageSchema>;

const pidsOnly = <T extends string>(type: T) =>
  z.looseObject({
    '@context': ContextSchema,
    '@type': z.literal(type),
    providerPid: NonEmptyString,
    consumerPid: NonEmptyString,
  });

export const ContractAgreementVerificationMessageSchema = pidsOnly('ContractAgreementVerificationMessage');
export type ContractAgreementVerificationMessage = z.infer<typeof ContractAgreementVerificationMessageSchema>;

export const ContractNegotiationEventMessageSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('ContractNegotiationEventMessage'),
  providerPid: NonEmptyString,
  consumerPid: NonEmptyString,
  eventType: z.enum(NEGOTIATION_EVENT_TYPES),
});
export type ContractNegotiationEventMessage = z.infer<typeof ContractNegotiationEventMessageSchema>;

const withCodeAndReason = <T extends string>(type: T) =>
  z.looseObject({
    '@context': ContextSchema,
    '@type': z.literal(type),
    providerPid: NonEmptyString,
    consumerPid: NonEmptyString,
    code: z.string().optional(),
    reason: ReasonSchema.optional(),
  });

export const ContractNegotiationTerminationMessageSchema = withCodeAndReason(
  'ContractNegotiationTerminationMessage',
);
export type ContractNegotiationTerminationMessage = z.infer<
  typeof ContractNegotiationTerminationMessageSchema
>;

export const ContractNegotiationErrorSchema = withCodeAndReason('ContractNegotiationError');
export type ContractNegotiationError = z.infer<typeof ContractNegotiationErrorSchema>;

export const ContractNegotiationSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('ContractNegotiation'),
  providerPid: NonEmptyString,
  consumerPid: NonEmptyString,
  state: z.enum(NEGOTIATION_STATES),
});
export type ContractNegotiation = z.infer<typeof ContractNegotiationSchema>;

// ---- builders ----

/** Initial request (callbackAddress, no providerPid) or counter-request (providerPid, no callbackAddress). */
export type ContractRequestInput =
  | { consumerPid: string; offer: MessageOffer; callbackAddress: string; providerPid?: undefined }
  | { consumerPid: string; offer: MessageOffer; providerPid: string; callbackAddress?: undefined };

export function buildContractRequestMessage(input: ContractRequestInput): ContractRequestMessage {
  if ((input.providerPid === undefined) === (input.callbackAddress === undefined)) {
    throw new ValidationError(
      'a ContractRequestMessage has either callbackAddress (initial request) or providerPid (counter-request), not both or neither',
      { pointer: '/callbackAddress' },
    );
  }
  return {
    '@context': dspContext(),
    '@type': 'ContractRequestMessage',
    consumerPid: input.consumerPid,
    ...(input.providerPid !== undefined ? { providerPid: input.providerPid } : {}),
    offer: input.offer,
    ...(input.callbackAddress !== undefined ? { callbackAddress: input.callbackAddress } : {}),
  };
}

/** Initial offer (callbackAddress, no consumerPid) or counter-offer (consumerPid, no callbackAddress). */
export type ContractOfferInput =
  | {
      providerPid: string;
      offer: MessageOffer & { target: string };
      callbackAddress: string;
      consumerPid?: undefined;
    }
  | {
      providerPid: string;
      offer: MessageOffer & { target: string };
      consumerPid: string;
      callbackAddress?: undefined;
    };

export function buildContractOfferMessage(input: ContractOfferInput): ContractOfferMessage {
  if ((input.consumerPid === undefined) === (input.callbackAddress === undefined)) {
    throw new ValidationError(
      'a ContractOfferMessage has either callbackAddress (initial offer) or consumerPid (counter-offer), not both or neither',
      { pointer: '/callbackAddress' },
    );
  }
  return {
    '@context': dspContext(),
    '@type': 'ContractOfferMessage',
    providerPid: input.providerPid,
    ...(input.consumerPid !== undefined ? { consumerPid: input.consumerPid } : {}),
    offer: input.offer,
    ...(input.callbackAddress !== undefined ? { callbackAddress: input.callbackAddress } : {}),
  };
}

export interface PidsInput {
  providerPid: string;
  consumerPid: string;
}

export function buildContractAgreementMessage(
  input: PidsInput & { agreement: Agreement },
): ContractAgreementMessage {
  return {
    '@context': dspContext(),
    '@type': 'ContractAgreementMessage',
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
    agreement: input.agreement,
  };
}

export function buildContractAgreementVerificationMessage(
  input: PidsInput,
): ContractAgreementVerificationMessage {
  return {
    '@context': dspContext(),
    '@type': 'ContractAgreementVerificationMessage',
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
  };
}

export function buildContractNegotiationEventMessage(
  input: PidsInput & { eventType: NegotiationEventType },
): ContractNegotiationEventMessage {
  return {
    '@context': dspContext(),
    '@type': 'ContractNegotiationEventMessage',
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
    eventType: input.eventType,
  };
}

export interface CodeReasonInput extends PidsInput {
  code?: string;
  /** Human-readable reasons; left out when empty (the schema wants at least one item if present). */
  reason?: unknown[];
}

function codeAndReason(input: CodeReasonInput) {
  return {
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
    ...(input.code !== undefined ? { code: input.code } : {}),
    ...(input.reason !== undefined && input.reason.length > 0 ? { reason: input.reason } : {}),
  };
}

export function buildContractNegotiationTerminationMessage(
  input: CodeReasonInput,
): ContractNegotiationTerminationMessage {
  return {
    '@context': dspContext(),
    '@type': 'ContractNegotiationTerminationMessage',
    ...codeAndReason(input),
  };
}

export function buildContractNegotiationError(input: CodeReasonInput): ContractNegotiationError {
  return { '@context': dspContext(), '@type': 'ContractNegotiationError', ...codeAndReason(input) };
}

export function buildContractNegotiation(
  input: PidsInput & { state: NegotiationState },
): ContractNegotiation {
  return {
    '@context': dspContext(),
    '@type': 'ContractNegotiation',
    providerPid: input.providerPid,
    consumerPid: input.consumerPid,
    state: input.state,
  };
}

/** An ODRL Agreement as DSP carries it in a ContractAgreementMessage. */
export function buildAgreement(input: {
  id: string;
  target: string;
  assigner: string;
  assignee: string;
  /** xsd:dateTime; defaults to now (UTC, second precision). */
  timestamp?: string;
  permission?: Agreement['permission'];
  prohibition?: Agreement['prohibition'];
  obligation?: Agreement['obligation'];
  profile?: string | string[];
}): Agreement {
  const list = <K extends string>(key: K, v: unknown[] | undefined) =>
    v && v.length > 0 ? { [key]: v } : {};
  return {
    '@id': input.id,
    '@type': 'Agreement',
    ...(input.profile !== undefined ? { profile: input.profile } : {}),
    target: input.target,
    assigner: input.assigner,
    assignee: input.assignee,
    timestamp: input.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...list('permission', input.permission),
    ...list('prohibition', input.prohibition),
    ...list('obligation', input.obligation),
  };
}
