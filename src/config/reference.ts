import { configKeys } from './load.js';

/** The configuration reference as a Markdown table, generated from the schema (see `npm run docs:config`). */
export function configReference(): string {
  const rows = configKeys().map((k) => {
    const s = k.schema as {
      default?: unknown;
      type?: unknown;
      enum?: unknown[];
      anyOf?: { type?: unknown }[];
    };
    const type = s.enum
      ? s.enum.map((v) => JSON.stringify(v)).join(' \\| ')
      : String(s.type ?? s.anyOf?.map((a) => a.type).join('/') ?? 'string');
    const def = s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``;
    const env = k.path.join('.') === 'databaseUrl' ? `\`${k.env}\`, \`DATABASE_URL\`` : `\`${k.env}\``;
    return `| \`${k.path.join('.')}\` | ${env} | ${type} | ${def} | ${(k.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  return [
    '| key | environment | type | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
