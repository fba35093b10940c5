/**
 * Assets: DCAT-AP 3 metadata that the catalogue shows, and a private data address that it never shows.
 * Pure functions: validation of the rules the OpenAPI document cannot express, and the DSP Dataset
 * node (without offers) computed on write.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { realpathSync } from 'node:fs';
import { UnprocessableError, ValidationError } from '../errors.js';

/** Ids of assets and offers: no `:` (offer ids shown in the catalogue are `<offer>:<asset>:<version>`). */
export const ID_PATTERN = /^[A-Za-z0-9._~@-]{1,200}$/;

export function checkId(id: string, pointer = '/id'): void {
  if (!ID_PATTERN.test(id)) {
    throw new ValidationError(
      `${pointer}: '${id}' is not a valid id (1-200 of A-Z a-z 0-9 . _ ~ @ -; no ':')`,
      { pointer },
    );
  }
}

export interface HeaderInput {
  name: string;
  /** A literal value (refused for headers that carry credentials). */
  value?: string;
  /** `env:NAME` (environment variable) or `config:NAME` (catalog.secrets.NAME in the configuration). */
  secretRef?: string;
}

export interface HttpDataAddress {
  type: 'HttpData';
  baseUrl: string;
  method?: string;
  headers?: HeaderInput[];
  /** Whether the consumer's request path and query are appended to baseUrl. */
  proxyPath?: boolean;
  proxyQuery?: boolean;
}

export interface FileDataAddress {
  type: 'File';
  /** Relative to catalog.fileRoot (or absolute inside it). */
  path: string;
}

export type DataAddress = HttpDataAddress | FileDataAddress;

export interface DistributionInput {
  /** The DSP transfer format, e.g. HttpData-PULL. */
  format: string;
  mediaType?: string;
  title?: string;
  description?: string;
}

/** The DCAT-AP metadata of an asset, as the management API reads and writes it. */
export interface AssetMetadata {
  title: string;
  description?: string;
  keywords?: string[];
  themes?: string[];
  publisher?: string;
  license?: string;
  language?: string[];
  spatial?: string;
  temporal?: { start?: string; end?: string };
  distributions?: DistributionInput[];
}

export interface AssetInput extends AssetMetadata {
  id?: string;
  properties?: Record<string, string | number | boolean>;
  dataAddress: DataAddress;
}

export interface Asset extends AssetMetadata {
  id: string;
  properties: Record<string, string | number | boolean>;
  dataAddress: DataAddress;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The stored DSP Dataset node parts (hasPolicy and accessService are added when served). */
export interface StoredDataset {
  extra: Record<string, unknown>;
  distributions: { format: string; extra: Record<string, unknown> }[];
}

export const DEFAULT_DISTRIBUTIONS: DistributionInput[] = [{ format: 'HttpData-PULL' }];

export interface SecretSources {
  env: Record<string, string | undefined>;
  config: Record<string, string>;
}

/** Header names whose values are credentials: their value must come by reference. */
const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie)$|key|token|secret|password|credential/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SECRET_REF = /^(env|config):([A-Za-z_][A-Za-z0-9_.-]*)$/;

/** The value a `secretRef` names, or undefined when it names nothing. */
export function lookupSecret(ref: string, sources: SecretSources): string | undefined {
  const m = SECRET_REF.exec(ref);
  if (!m) return undefined;
  return m[1] === 'env' ? sources.env[m[2]!] : sources.config[m[2]!];
}

/** The absolute path of a File data address, refusing anything outside `root`. */
export function resolveFilePath(
  path: string,
  root: string | undefined,
  pointer = '/dataAddress/path',
): string {
  if (!root) {
    throw new ValidationError(
      `${pointer}: File data addresses need catalog.fileRoot in the configuration`,
      { pointer },
      'file_root_not_configured',
    );
  }
  const base = resolve(root);
  const full = resolve(base, path);
  const inside = (p: string, b: string) => {
    const rel = relative(b, p);
    return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
  };
  if (path.includes('\0') || !inside(full, base)) {
    throw new ValidationError(
      `${pointer}: '${path}' is outside the file root ${base}`,
      { pointer },
      'path_outside_root',
    );
  }
  // A symbolic link inside the root may point outside it: check the real path when it exists.
  let real: string | undefined;
  try {
    real = realpathSync(full);
  } catch {
    real = undefined;
  }
  if (real !== undefined) {
    let realBase = base;
    try {
      realBase = realpathSync(base);
    } catch {
      // the root itself does not exist: nothing inside it can either
    }
    if (!inside(real, realBase)) {
      throw new ValidationError(
        `${pointer}: '${path}' resolves (through a link) outside the file root ${base}`,
        { pointer },
        'path_outside_root',
      );
    }
  }
  return full;
}

/** Checks the data address rules the OpenAPI schema cannot express. */
export function checkDataAddress(
  address: DataAddress,
  options: { fileRoot?: string; secrets: SecretSources },
): void {
  if (address.type === 'File') {
    resolveFilePath(address.path, options.fileRoot);
    return;
  }
  let url: URL;
  try {
    url = new URL(address.baseUrl);
  } catch {
    throw new ValidationError(`/dataAddress/baseUrl: '${address.baseUrl}' is not an absolute URL`, {
      pointer: '/dataAddress/baseUrl',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`/dataAddress/baseUrl: only http and https URLs, got ${url.protocol}`, {
      pointer: '/dataAddress/baseUrl',
    });
  }
  if (url.username || url.password) {
    throw new ValidationError(
      '/dataAddress/baseUrl: credentials in the URL would be stored in clear; use a header with a secretRef',
      { pointer: '/dataAddress/baseUrl' },
    );
  }
  (address.headers ?? []).forEach((h, i) => {
    const pointer = `/dataAddress/headers/${i}`;
    if (!HEADER_NAME.test(h.name)) {
      throw new ValidationError(`${pointer}/name: '${h.name}' is not a valid header name`, {
        pointer: `${pointer}/name`,
      });
    }
    if ((h.value === undefined) === (h.secretRef === undefined)) {
      throw new ValidationError(`${pointer}: give exactly one of value and secretRef`, { pointer });
    }
    if (h.value !== undefined && SENSITIVE_HEADER.test(h.name)) {
      throw new ValidationError(
        `${pointer}: the header ${h.name} carries a credential; give it as secretRef (env:NAME or config:NAME), not as a value`,
        { pointer: `${pointer}/value` },
        'secret_in_clear',
      );
    }
    if (h.secretRef !== undefined) {
      if (!SECRET_REF.test(h.secretRef)) {
        throw new ValidationError(`${pointer}/secretRef: '${h.secretRef}' must be env:NAME or config:NAME`, {
          pointer: `${pointer}/secretRef`,
        });
      }
      if (lookupSecret(h.secretRef, options.secrets) === undefined) {
        const [kind, name] = h.secretRef.split(':');
        throw new ValidationError(
          kind === 'env'
            ? `${pointer}/secretRef: the environment variable ${name} is not set`
            : `${pointer}/secretRef: catalog.secrets.${name} is not in the configuration`,
          { pointer: `${pointer}/secretRef` },
          'secret_not_found',
        );
      }
    }
  });
}

/**
 * The data address with secrets resolved, for the data plane. File paths are re-checked against
 * the root (a link may have been added since the asset was written).
 */
export function resolveDataAddress(
  address: DataAddress,
  options: { fileRoot?: string; secrets: SecretSources },
): Record<string, unknown> {
  if (address.type === 'File') {
    return { type: 'File', path: resolveFilePath(address.path, options.fileRoot) };
  }
  const headers: Record<string, string> = {};
  for (const h of address.headers ?? []) {
    const value = h.value ?? lookupSecret(h.secretRef!, options.secrets);
    if (value === undefined) {
      throw new UnprocessableError(
        `the secret ${h.secretRef} of header ${h.name} is not available`,
        { secretRef: h.secretRef },
        'secret_not_found',
      );
    }
    headers[h.name] = value;
  }
  return {
    type: 'HttpData',
    baseUrl: address.baseUrl,
    method: address.method ?? 'GET',
    headers,
    proxyPath: address.proxyPath ?? false,
    proxyQuery: address.proxyQuery ?? false,
  };
}

const isIri = (s: string) => /^[a-z][a-z0-9+.-]*:[^\s]+$/i.test(s);
/** An IRI as a node reference; anything else as a literal. */
const ref = (s: string): unknown => (isIri(s) ? { '@id': s } : s);

/** Normalised metadata (defaults applied, keywords de-duplicated). */
export function normalizeMetadata(input: AssetMetadata): AssetMetadata {
  const out: AssetMetadata = { title: input.title };
  if (input.description !== undefined) out.description = input.description;
  if (input.keywords?.length) out.keywords = [...new Set(input.keywords)];
  if (input.themes?.length) out.themes = [...new Set(input.themes)];
  if (input.publisher !== undefined) out.publisher = input.publisher;
  if (input.license !== undefined) out.license = input.license;
  if (input.language?.length) out.language = [...new Set(input.language)];
  if (input.spatial !== undefined) out.spatial = input.spatial;
  if (input.temporal && (input.temporal.start || input.temporal.end)) {
    if (input.temporal.start && input.temporal.end && input.temporal.start > input.temporal.end) {
      throw new ValidationError('/temporal: start is after end', { pointer: '/temporal/start' });
    }
    out.temporal = { ...input.temporal };
  }
  out.distributions = input.distributions?.length ? input.distributions : DEFAULT_DISTRIBUTIONS;
  return out;
}

/** The DCAT-AP properties of the DSP Dataset node, compacted against the DSP context (dct:, dcat:). */
export function datasetNodeParts(m: AssetMetadata): StoredDataset {
  const extra: Record<string, unknown> = { 'dct:title': m.title };
  if (m.description !== undefined) extra['dct:description'] = m.description;
  if (m.keywords?.length) extra['dcat:keyword'] = m.keywords;
  if (m.themes?.length) extra['dcat:theme'] = m.themes.map(ref);
  if (m.publisher !== undefined) extra['dct:publisher'] = ref(m.publisher);
  if (m.license !== undefined) extra['dct:license'] = ref(m.license);
  if (m.language?.length) extra['dct:language'] = m.language.map(ref);
  if (m.spatial !== undefined) extra['dct:spatial'] = ref(m.spatial);
  if (m.temporal) {
    extra['dct:temporal'] = {
      '@type': 'dct:PeriodOfTime',
      ...(m.temporal.start ? { 'dcat:startDate': m.temporal.start } : {}),
      ...(m.temporal.end ? { 'dcat:endDate': m.temporal.end } : {}),
    };
  }
  const distributions = (m.distributions ?? DEFAULT_DISTRIBUTIONS).map((d) => {
    const dx: Record<string, unknown> = {};
    if (d.mediaType !== undefined) dx['dcat:mediaType'] = d.mediaType;
    if (d.title !== undefined) dx['dct:title'] = d.title;
    if (d.description !== undefined) dx['dct:description'] = d.description;
    return { format: d.format, extra: dx };
  });
  return { extra, distributions };
}
