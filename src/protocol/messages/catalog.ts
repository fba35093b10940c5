/**
 * DSP 2025-1 Catalog Protocol: CatalogRequestMessage, DatasetRequestMessage, Catalog, Dataset,
 * Distribution, DataService and CatalogError, in compacted form.
 */
import { z } from 'zod';
import {
  CatalogOfferSchema,
  ContextSchema,
  NonEmptyString,
  ReasonSchema,
  dspContext,
  type CatalogOffer,
} from './common.js';

type Extra = Record<string, unknown>;

export const CatalogRequestMessageSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('CatalogRequestMessage'),
  filter: z.array(z.unknown()).optional(),
});
export type CatalogRequestMessage = z.infer<typeof CatalogRequestMessageSchema>;

export const DatasetRequestMessageSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('DatasetRequestMessage'),
  dataset: NonEmptyString,
});
export type DatasetRequestMessage = z.infer<typeof DatasetRequestMessageSchema>;

export const CatalogErrorSchema = z.looseObject({
  '@context': ContextSchema,
  '@type': z.literal('CatalogError'),
  code: z.string().optional(),
  reason: ReasonSchema.optional(),
});
export type CatalogError = z.infer<typeof CatalogErrorSchema>;

export const DataServiceSchema = z.looseObject({
  '@id': NonEmptyString,
  '@type': z.literal('DataService'),
  endpointURL: NonEmptyString,
  endpointDescription: z.string().optional(),
});
export type DataService = z.infer<typeof DataServiceSchema>;

export const DistributionSchema = z.looseObject({
  '@type': z.literal('Distribution').optional(),
  format: NonEmptyString,
  accessService: z.union([NonEmptyString, DataServiceSchema]),
  hasPolicy: z.array(CatalogOfferSchema).min(1).optional(),
});
export type Distribution = z.infer<typeof DistributionSchema>;

const datasetShape = {
  '@id': NonEmptyString,
  '@type': z.literal('Dataset').optional(),
  hasPolicy: z.array(CatalogOfferSchema).min(1),
  distribution: z.array(DistributionSchema).min(1),
};

/** A Dataset inside a Catalog. */
export const DatasetNodeSchema = z.looseObject(datasetShape);
export type DatasetNode = z.infer<typeof DatasetNodeSchema>;

/** A Dataset as the body of `GET /catalog/datasets/:id`. */
export const DatasetSchema = z.looseObject({ '@context': ContextSchema, ...datasetShape });
export type Dataset = z.infer<typeof DatasetSchema>;

export interface CatalogNode {
  '@id': string;
  '@type': 'Catalog';
  participantId?: string;
  dataset?: DatasetNode[];
  catalog?: CatalogNode[];
  service?: DataService[];
  distribution?: Distribution[];
  [key: string]: unknown;
}

const noPolicy = (c: object) => !('hasPolicy' in c);
const noPolicyMessage = { message: 'a catalog must not have hasPolicy', path: ['hasPolicy'] };

export const CatalogNodeSchema: z.ZodType<CatalogNode> = z.lazy(() =>
  z
    .looseObject({
      '@id': NonEmptyString,
      '@type': z.literal('Catalog'),
      participantId: z.string().optional(),
      dataset: z.array(DatasetNodeSchema).min(1).optional(),
      catalog: z.array(CatalogNodeSchema).min(1).optional(),
      service: z.array(DataServiceSchema).min(1).optional(),
      distribution: z.array(DistributionSchema).min(1).optional(),
    })
    .refine(noPolicy, noPolicyMessage),
);

/** The root Catalog answered to a CatalogRequestMessage (`participantId` required). */
export const CatalogSchema = z
  .looseObject({
    '@context': ContextSchema,
    '@id': NonEmptyString,
    '@type': z.literal('Catalog'),
    participantId: NonEmptyString,
    dataset: z.array(DatasetNodeSchema).min(1).optional(),
    catalog: z.array(CatalogNodeSchema).min(1).optional(),
    service: z.array(DataServiceSchema).min(1).optional(),
    distribution: z.array(DistributionSchema).min(1).optional(),
  })
  .refine(noPolicy, noPolicyMessage);
export type Catalog = z.infer<typeof CatalogSchema>;

// ---- builders ----

export function buildCatalogRequestMessage(input: { filter?: unknown[] } = {}): CatalogRequestMessage {
  return {
    '@context': dspContext(),
    '@type': 'CatalogRequestMessage',
    ...(input.filter !== undefined ? { filter: input.filter } : {}),
  };
}

export function buildDatasetRequestMessage(input: { dataset: string }): DatasetRequestMessage {
  return { '@context': dspContext(), '@type': 'DatasetRequestMessage', dataset: input.dataset };
}

export function buildCatalogError(input: { code?: string; reason?: unknown[] } = {}): CatalogError {
  return {
    '@context': dspContext(),
    '@type': 'CatalogError',
    ...(input.code !== undefined ? { code: input.code } : {}),
    ...(input.reason !== undefined && input.reason.length > 0 ? { reason: input.reason } : {}),
  };
}

export function buildDataService(input: { id: string; endpointURL: string; extra?: Extra }): DataService {
  return { ...input.extra, '@id': input.id, '@type': 'DataService', endpointURL: input.endpointURL };
}

export interface DistributionInput {
  format: string;
  /** The DataService's `@id`, or the service itself. */
  accessService: string | DataService;
  offers?: CatalogOffer[];
  extra?: Extra;
}

export function buildDistribution(input: DistributionInput): Distribution {
  return {
    ...input.extra,
    '@type': 'Distribution',
    format: input.format,
    accessService: input.accessService,
    ...(input.offers && input.offers.length > 0 ? { hasPolicy: input.offers } : {}),
  };
}

export interface DatasetInput {
  id: string;
  /** Offers without `target` (the dataset is the target); at least one. */
  offers: CatalogOffer[];
  /** At least one. */
  distributions: DistributionInput[];
  /** Further DCAT / Dublin Core properties (e.g. `"dct:title"`), written first so they cannot override. */
  extra?: Extra;
}

/** A Dataset for inclusion in a Catalog (no `@context`). */
export function buildDatasetNode(input: DatasetInput): DatasetNode {
  return {
    ...input.extra,
    '@id': input.id,
    '@type': 'Dataset',
    hasPolicy: input.offers,
    distribution: input.distributions.map(buildDistribution),
  };
}

/** A Dataset as the body of `GET /catalog/datasets/:id`. */
export function buildDataset(input: DatasetInput): Dataset {
  return { '@context': dspContext(), ...buildDatasetNode(input) };
}

export interface CatalogInput {
  id: string;
  participantId?: string;
  datasets?: DatasetNode[];
  catalogs?: CatalogNode[];
  services?: DataService[];
  distributions?: Distribution[];
  extra?: Extra;
}

/** A nested Catalog (catalogue of catalogues), no `@context`. Empty lists are left out, as the schema asks. */
export function buildCatalogNode(input: CatalogInput): CatalogNode {
  const nonEmpty = <T>(key: string, list: T[] | undefined) =>
    list && list.length > 0 ? { [key]: list } : {};
  return {
    ...input.extra,
    '@id': input.id,
    '@type': 'Catalog',
    ...(input.participantId !== undefined ? { participantId: input.participantId } : {}),
    ...nonEmpty('dataset', input.datasets),
    ...nonEmpty('catalog', input.catalogs),
    ...nonEmpty('service', input.services),
    ...nonEmpty('distribution', input.distributions),
  };
}

/** The root Catalog answered to a CatalogRequestMessage. */
export function buildCatalog(input: CatalogInput & { participantId: string }): Catalog {
  return { '@context': dspContext(), ...buildCatalogNode(input), participantId: input.participantId };
}
