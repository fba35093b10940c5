/**
 * DSP 2025-1 version metadata: the body of `GET /.well-known/dspace-version` (plain JSON, no JSON-LD).
 */
import { z } from 'zod';
import { NonEmptyString } from './common.js';

export const DSP_VERSION = '2025-1';

export const VersionAuthSchema = z.looseObject({
  protocol: NonEmptyString,
  version: NonEmptyString,
  profile: z.array(z.string()).optional(),
});
export type VersionAuth = z.infer<typeof VersionAuthSchema>;

export const ProtocolVersionSchema = z.looseObject({
  version: NonEmptyString,
  path: z.string(),
  binding: z.literal('HTTPS'),
  serviceId: z.string().optional(),
  identifierType: z.string().optional(),
  auth: VersionAuthSchema.optional(),
});
export type ProtocolVersion = z.infer<typeof ProtocolVersionSchema>;

export const VersionResponseSchema = z.looseObject({
  protocolVersions: z.array(ProtocolVersionSchema).min(1),
});
export type VersionResponse = z.infer<typeof VersionResponseSchema>;

/** The DCP 1.0 auth entry Pontis advertises. */
export const DCP_AUTH: VersionAuth = { protocol: 'DCP', version: '1.0' };

export interface VersionInput {
  /** The DSP base path of this connector, e.g. `/` or `/api/dsp`. */
  path: string;
  serviceId?: string;
  /** e.g. `did:web`. */
  identifierType?: string;
  auth?: VersionAuth;
}

/** The version metadata body for one DSP 2025-1 HTTPS endpoint (plus any further entries given). */
export function buildVersionResponse(input: VersionInput, ...more: ProtocolVersion[]): VersionResponse {
  const entry: ProtocolVersion = {
    version: DSP_VERSION,
    path: input.path,
    binding: 'HTTPS',
    ...(input.serviceId !== undefined ? { serviceId: input.serviceId } : {}),
    ...(input.identifierType !== undefined ? { identifierType: input.identifierType } : {}),
    ...(input.auth !== undefined ? { auth: input.auth } : {}),
  };
  return { protocolVersions: [entry, ...more] };
}

/** The first 2025-1 HTTPS entry of a peer's version metadata, if any. */
export function findDsp2025Version(body: VersionResponse): ProtocolVersion | undefined {
  return body.protocolVersions.find((v) => v.version === DSP_VERSION && v.binding === 'HTTPS');
}
