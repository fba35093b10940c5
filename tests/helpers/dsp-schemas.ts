/**
 * The official DSP 2025-1 JSON Schemas from `../shared/dsp` (a reference copy outside the project),
 * loaded into ajv (draft 2019-09) by `$id`. Conformance tests of catalogue, negotiation and transfer
 * use `validateAgainstDsp`; they skip with `dspSchemasSkipReason` when the copy is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';

/** `../shared/dsp` next to the project (`PONTIS_SHARED_DIR` overrides `../shared`). */
export const SHARED_DIR = resolve(
  process.env.PONTIS_SHARED_DIR ?? join(import.meta.dirname, '../../../shared'),
);
export const DSP_SHARED_DIR = join(SHARED_DIR, 'dsp');
export const dspSharedPresent = existsSync(join(DSP_SHARED_DIR, 'schemas'));
export const dspSchemasSkipReason = dspSharedPresent
  ? ''
  : `the DSP reference copy ${DSP_SHARED_DIR} is absent; DSP schema conformance tests are skipped`;

const SCHEMA_BASE = 'https://w3id.org/dspace/2025/1/';

interface AjvLike {
  addSchema(schema: object): unknown;
  getSchema(id: string): (((data: unknown) => boolean) & { errors?: ErrorObject[] | null }) | undefined;
}

let ajv: AjvLike | undefined;

function loadAjv(): AjvLike {
  if (ajv) return ajv;
  if (!dspSharedPresent) throw new Error(dspSchemasSkipReason);
  // ajv ships CommonJS; createRequire avoids the default-export interop differences between tools.
  const require = createRequire(import.meta.url);
  const Ajv2019 = (require('ajv/dist/2019') as { default: new (o: object) => AjvLike }).default;
  const addFormats = (require('ajv-formats') as { default: (a: AjvLike) => void }).default;
  const instance = new Ajv2019({ strict: false, allErrors: true });
  addFormats(instance);
  for (const area of ['common', 'catalog', 'negotiation', 'transfer']) {
    const dir = join(DSP_SHARED_DIR, 'schemas', area);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      // Three upstream transfer schemas write `#definitions/` for `#/definitions/` (see SOURCE.txt).
      const text = readFileSync(join(dir, file), 'utf8').replace(/#definitions\//g, '#/definitions/');
      instance.addSchema(JSON.parse(text) as object);
    }
  }
  ajv = instance;
  return instance;
}

/** Schema names by the compact `@type` (or `VersionResponse`) they validate. */
export const DSP_SCHEMA_BY_TYPE: Record<string, string> = {
  CatalogRequestMessage: 'catalog/catalog-request-message-schema.json',
  DatasetRequestMessage: 'catalog/dataset-request-message-schema.json',
  Catalog: 'catalog/catalog-schema.json',
  Dataset: 'catalog/dataset-schema.json',
  CatalogError: 'catalog/catalog-error-schema.json',
  ContractRequestMessage: 'negotiation/contract-request-message-schema.json',
  ContractOfferMessage: 'negotiation/contract-offer-message-schema.json',
  ContractAgreementMessage: 'negotiation/contract-agreement-message-schema.json',
  ContractAgreementVerificationMessage: 'negotiation/contract-agreement-verification-message-schema.json',
  ContractNegotiationEventMessage: 'negotiation/contract-negotiation-event-message-schema.json',
  ContractNegotiationTerminationMessage: 'negotiation/contract-negotiation-termination-message-schema.json',
  ContractNegotiation: 'negotiation/contract-negotiation-schema.json',
  ContractNegotiationError: 'negotiation/contract-negotiation-error-schema.json',
  TransferRequestMessage: 'transfer/transfer-request-message-schema.json',
  TransferStartMessage: 'transfer/transfer-start-message-schema.json',
  TransferSuspensionMessage: 'transfer/transfer-suspension-message-schema.json',
  TransferCompletionMessage: 'transfer/transfer-completion-message-schema.json',
  TransferTerminationMessage: 'transfer/transfer-termination-message-schema.json',
  TransferProcess: 'transfer/transfer-process-schema.json',
  TransferError: 'transfer/transfer-error-schema.json',
  VersionResponse: 'common/protocol-version-schema.json',
};

export interface DspSchemaResult {
  valid: boolean;
  /** ajv errors as `instancePath message` lines, empty when valid. */
  errors: string[];
}

/**
 * Validates `json` against an official schema. `schemaName` is a compact `@type`
 * (`"ContractRequestMessage"`), an `<area>/<file>` name, or a full `$id`.
 */
export function validateAgainstDsp(schemaName: string, json: unknown): DspSchemaResult {
  const instance = loadAjv();
  const id = schemaName.startsWith('https://')
    ? schemaName
    : SCHEMA_BASE + (DSP_SCHEMA_BY_TYPE[schemaName] ?? schemaName);
  const validate = instance.getSchema(id);
  if (!validate) throw new Error(`no DSP schema ${id} (from ${schemaName})`);
  const valid = validate(json);
  return {
    valid,
    errors: valid ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`),
  };
}

/** Every official example as `[area/file, json]`. */
export function dspExamples(): [string, unknown][] {
  if (!dspSharedPresent) return [];
  const out: [string, unknown][] = [];
  for (const area of ['catalog', 'common', 'negotiation', 'transfer']) {
    const dir = join(DSP_SHARED_DIR, 'examples', area);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      out.push([`${area}/${file}`, JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown]);
    }
  }
  return out;
}
