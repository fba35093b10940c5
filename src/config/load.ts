import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';

/** A settable leaf of the configuration: its path, environment name and JSON Schema. */
export interface ConfigKey {
  path: string[];
  env: string;
  schema: JsonSchema;
  description?: string;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
}

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
export const envName = (path: string[]) => 'PONTIS_' + path.map(snake).join('_');

let keysCache: ConfigKey[] | undefined;

/**
 * PONTIS_* names that are not configuration keys: secrets that configuration refers to by name
 * (e.g. a data address header `{ "secretEnv": "PONTIS_SECRET_ORIGIN_TOKEN" }`), and PONTIS_FROM_SOURCE (bin/pontis.js).
 */
const FREE_ENV = ['PONTIS_SECRET_', 'PONTIS_FROM_SOURCE', 'PONTIS_TEST_'];

/** Every leaf key of the schema, in schema order. Derived, so env names cannot drift from the schema. */
export function configKeys(): ConfigKey[] {
  if (keysCache) return keysCache;
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: ConfigKey[] = [];
  const walk = (node: JsonSchema, path: string[]) => {
    const obj = node.anyOf?.find((s) => s.type === 'object') ?? node;
    if (obj.type === 'object' && obj.properties) {
      for (const [name, child] of Object.entries(obj.properties)) walk(child, [...path, name]);
      return;
    }
    out.push({ path, env: envName(path), schema: node, description: node.description });
  };
  walk(root, []);
  keysCache = out;
  return out;
}

function typeOf(schema: JsonSchema): string {
  const t = schema.type ?? schema.anyOf?.map((s) => s.type).find((x) => x && x !== 'null');
  return Array.isArray(t) ? (t.find((x) => x !== 'null') ?? 'string') : (t ?? 'string');
}

/** Turns an environment string into the value the schema expects; leaves it a string when it cannot. */
function fromEnv(raw: string, schema: JsonSchema): unknown {
  switch (typeOf(schema)) {
    case 'integer':
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    case 'boolean':
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      return raw;
    case 'array':
      if (raw.trim().startsWith('[')) return parseJsonOrRaw(raw);
      return raw === '' ? [] : raw.split(',').map((s) => s.trim());
    case 'object':
      return parseJsonOrRaw(raw);
    default:
      return raw;
  }
}

function parseJsonOrRaw(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function getPath(source: unknown, path: PropertyKey[]): unknown {
  let node = source;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

export function readConfigFile(file: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(e as Error).message}`);
  }
  try {
    const value = parseYaml(text) as unknown; // YAML is a superset of JSON
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new Error('the top level must be a mapping of keys to values');
    }
    return value as ConfigInput;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`configuration file ${file} is not valid YAML or JSON: ${(e as Error).message}`);
  }
}

/**
 * Builds the configuration: defaults ← file ← environment. Throws ConfigError naming every bad key,
 * where its value came from, the value, and what is expected.
 */
export function loadConfig(
  options: { file?: string; env?: Record<string, string | undefined>; overrides?: ConfigInput } = {},
): Config {
  const env = options.env ?? process.env;
  const input: Record<string, unknown> = structuredClone(
    options.file ? (readConfigFile(options.file) as Record<string, unknown>) : {},
  );
  const fromEnvKeys = new Map<string, string>();
  for (const key of configKeys()) {
    let raw = env[key.env];
    let name = key.env;
    if (raw === undefined && key.path.join('.') === 'databaseUrl' && env.DATABASE_URL) {
      raw = env.DATABASE_URL;
      name = 'DATABASE_URL';
    }
    if (raw === undefined || (raw === '' && name === 'DATABASE_URL')) continue;
    setPath(input, key.path, fromEnv(raw, key.schema));
    fromEnvKeys.set(key.path.join('.'), name);
  }
  const unknown = Object.keys(env).filter(
    (name) =>
      name.startsWith('PONTIS_') &&
      !FREE_ENV.some((p) => name.startsWith(p)) &&
      !configKeys().some((k) => k.env === name),
  );
  if (unknown.length > 0) {
    throw new ConfigError(
      `invalid configuration:\n  - unknown environment variable${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` +
        ` (known names: pontis config --markdown)`,
    );
  }
  if (options.overrides) deepAssign(input, options.overrides as Record<string, unknown>);
  const parsed = configSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(describeIssues(parsed.error, input, fromEnvKeys, options.file));
}

function deepAssign(target: Record<string, unknown>, source: Record<string, unknown>) {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      cur &&
      typeof cur === 'object' &&
      !Array.isArray(cur)
    ) {
      deepAssign(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else if (v !== undefined) target[k] = v;
  }
}

function describeIssues(
  error: z.ZodError,
  input: unknown,
  fromEnvKeys: Map<string, string>,
  file?: string,
): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.map(String);
    const dotted = path.join('.');
    if (issue.code === 'unrecognized_keys') {
      const where = dotted ? ` in ${dotted}` : '';
      return `unknown configuration key${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.join(', ')}`;
    }
    const source =
      [...fromEnvKeys.entries()].find(([p]) => dotted === p || dotted.startsWith(p + '.'))?.[1] ??
      (file ? `${file}` : 'defaults');
    const value = getPath(input, issue.path);
    const shown = value === undefined ? '(missing)' : JSON.stringify(value);
    return `${dotted || '(root)'} (from ${source}) = ${shown}: ${expectation(issue)}`;
  });
  return `invalid configuration:\n  - ${lines.join('\n  - ')}`;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'number' ? 'a number' : issue.expected}`;
    case 'too_small':
      return `expected ${issue.origin === 'string' ? 'a string of ' : ''}at least ${String(issue.minimum)}${
        issue.origin === 'number' ? '' : ''
      }`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}
