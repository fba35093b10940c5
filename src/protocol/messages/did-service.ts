/**
 * DSP 2025-1 service entries for a participant's DID document ("Common Functionality", DID service):
 * `CatalogService` points at a catalog (its URL ends in `/catalog`), `DataService` at a connector
 * (its version metadata). Identity puts them in the DID document's `service` list.
 */
import { z } from 'zod';
import { DID_V1_URL } from '../jsonld/contexts/security.js';
import { DSP_CONTEXT_URL, HttpUrl, NonEmptyString } from './common.js';

export const DSP_SERVICE_TYPES = ['CatalogService', 'DataService'] as const;
export type DspServiceType = (typeof DSP_SERVICE_TYPES)[number];

export const DidServiceEntrySchema = z.looseObject({
  '@context': z.array(z.string()).optional(),
  id: NonEmptyString,
  type: z.enum(DSP_SERVICE_TYPES),
  serviceEndpoint: HttpUrl,
});
export type DidServiceEntry = z.infer<typeof DidServiceEntrySchema>;

/**
 * A DID document service entry. With `standalone: true` it carries its own `@context` (DSP + DID v1),
 * as the spec's examples do; inside a DID document whose `@context` already lists both, leave it out.
 */
export function buildDidServiceEntry(input: {
  id: string;
  type: DspServiceType;
  serviceEndpoint: string;
  standalone?: boolean;
}): DidServiceEntry {
  return {
    ...(input.standalone ? { '@context': [DSP_CONTEXT_URL, DID_V1_URL] } : {}),
    id: input.id,
    type: input.type,
    serviceEndpoint: input.serviceEndpoint,
  };
}
