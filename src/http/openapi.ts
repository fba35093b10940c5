import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Express, RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../errors.js';

// ajv and ajv-formats are CommonJS with a default export.
const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;
const addFormats = addFormatsModule.default ?? addFormatsModule;

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: object;
}
interface Operation {
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: object }> };
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation | Parameter[]>>;
  components?: { parameters?: Record<string, unknown>; [key: string]: unknown };
}

const SPEC_DIR = new URL('../../openapi/', import.meta.url);

export function loadOpenApi(name: 'management' | 'auditor' | 'catalogue'): OpenApiDocument {
  return parseYaml(readFileSync(new URL(`${name}.yaml`, SPEC_DIR), 'utf8')) as OpenApiDocument;
}

interface CompiledOperation {
  method: string;
  pattern: RegExp;
  pathParams: string[];
  body?: ValidateFunction;
  bodyRequired: boolean;
  query?: ValidateFunction;
  path?: ValidateFunction;
}

/** A parameter given as `{ $ref: '#/components/parameters/Name' }` is looked up in the document. */
function resolveParameter(doc: OpenApiDocument, p: Parameter | { $ref: string }): Parameter {
  if (!('$ref' in p)) return p;
  const name = /^#\/components\/parameters\/(.+)$/.exec(p.$ref)?.[1];
  const found = name
    ? (doc.components?.parameters as Record<string, Parameter> | undefined)?.[name]
    : undefined;
  if (!found) throw new Error(`OpenAPI document ${doc.info.title}: cannot resolve parameter ${p.$ref}`);
  return found;
}

const pointerEscape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Validates request bodies, query strings and path parameters against the OpenAPI document
 * before any handler runs: a 400 names the failing JSON path. Routes absent from the document
 * are passed through (they answer 404 later).
 */
export function openApiValidator(doc: OpenApiDocument): RequestHandler {
  const id = `https://pontis.invalid/openapi/${doc.info.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.json`;
  const make = (coerce: boolean) => {
    const ajv = new Ajv2020({
      strict: false,
      allErrors: false,
      coerceTypes: coerce ? 'array' : false,
      useDefaults: coerce,
    });
    addFormats(ajv);
    ajv.addSchema({ $id: id, components: doc.components ?? {} });
    return ajv;
  };
  const bodies = make(false);
  const params = make(true);
  // Local refs (#/components/...) point into the document registered under `id`.
  const rebase = (schema: object) =>
    JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${id}#/`)) as object;
  const ops: CompiledOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const shared = (item.parameters as Parameter[] | undefined) ?? [];
    for (const [method, raw] of Object.entries(item)) {
      if (method === 'parameters' || Array.isArray(raw)) continue;
      const op = raw;
      const pathParams: string[] = [];
      const pattern = new RegExp(
        '^' +
          template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name: string) => {
            pathParams.push(name);
            return '([^/]+)';
          }) +
          '/?$',
      );
      const all = [...shared, ...(op.parameters ?? [])].map((p) => resolveParameter(doc, p));
      const group = (where: Parameter['in']) => {
        const ps = all.filter((p) => p.in === where);
        if (ps.length === 0) return undefined;
        return params.compile(
          rebase({
            type: 'object',
            properties: Object.fromEntries(ps.map((p) => [p.name, p.schema ?? {}])),
            required: ps.filter((p) => p.required || where === 'path').map((p) => p.name),
          }),
        );
      };
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        pattern,
        pathParams,
        body: bodySchema ? bodies.compile(rebase(bodySchema)) : undefined,
        bodyRequired: op.requestBody?.required ?? false,
        query: group('query'),
        path: group('path'),
      });
    }
  }
  return (req, _res, next) => {
    const op = ops.find((o) => o.method === req.method && o.pattern.test(req.path));
    if (!op) return next();
    const m = op.pattern.exec(req.path)!;
    if (op.path) {
      const values = Object.fromEntries(op.pathParams.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      if (!op.path(values)) return next(fail('path', op.path.errors));
    }
    if (op.query) {
      const query = { ...(req.query as Record<string, unknown>) };
      if (!op.query(query)) return next(fail('query', op.query.errors));
      // Express 5's req.query is a getter; keep the coerced values where handlers can read them.
      Object.defineProperty(req, 'query', { value: query, configurable: true, writable: true });
    }
    if (op.body) {
      const hasBody =
        req.body !== undefined &&
        !(
          typeof req.body === 'object' &&
          req.body !== null &&
          Object.keys(req.body).length === 0 &&
          !req.headers['content-length']
        );
      if (!hasBody) {
        if (op.bodyRequired)
          return next(
            new ValidationError('request body is required (application/json)', { in: 'body', pointer: '' }),
          );
      } else if (!op.body(req.body)) return next(fail('body', op.body.errors));
    }
    next();
  };
}

function fail(where: 'body' | 'query' | 'path', errors: ErrorObject[] | null | undefined): ValidationError {
  const e = errors?.[0];
  if (!e) return new ValidationError(`invalid ${where}`);
  let pointer = e.instancePath;
  if (e.keyword === 'required')
    pointer += `/${pointerEscape(String((e.params as { missingProperty: string }).missingProperty))}`;
  if (e.keyword === 'additionalProperties') {
    pointer += `/${pointerEscape(String((e.params as { additionalProperty: string }).additionalProperty))}`;
  }
  const what =
    e.keyword === 'required'
      ? 'is required'
      : e.keyword === 'additionalProperties'
        ? 'is not allowed here'
        : e.keyword === 'enum'
          ? `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`
          : (e.message ?? 'is invalid');
  const label =
    where === 'body' ? `body${pointer}` : `${where} parameter ${pointer.replace(/^\//, '') || '(all)'}`;
  return new ValidationError(`${label} ${what}`, { in: where, pointer });
}

/** Serves the documents as JSON and a readable docs page (Swagger UI, served locally). */
export function serveApiDocs(app: Express, docs: Record<string, OpenApiDocument>): void {
  const names = Object.keys(docs);
  for (const name of names) {
    const path = name === names[0] ? '/openapi.json' : `/openapi/${name}.json`;
    app.get(path, (_req, res) => void res.json(docs[name]));
  }
  const urls = names.map((name, i) => ({ name, url: i === 0 ? '/openapi.json' : `/openapi/${name}.json` }));
  app.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(undefined, { swaggerOptions: { urls }, customSiteTitle: 'Pontis API' }),
  );
}
