/**
 * Decoding of incoming DSP bodies into typed, compacted messages.
 *
 * Fast path: a body whose `@context` is exactly the DSP 2025-1 context (a string or a one-element
 * array) is validated as plain JSON. Anything else (extra contexts, prefixed or expanded terms) is
 * expanded with the offline loader and compacted against the DSP context, then validated, so both
 * forms give the same object. A fast-path body that does not validate also gets one JSON-LD pass
 * before it is rejected: `"dspace:ContractRequestMessage"` or a single `reason` string are legal
 * JSON-LD spellings of the compact form.
 */
import { ValidationError } from '../errors.js';
import { DSP_CONTEXT_URL, isKnownContextUrl } from './jsonld/document-loader.js';
import { compactOffline, expandOffline } from './jsonld/jsonld.js';
import { validateDspMessage } from './messages.js';
import type { DspMessageMap, DspMessageType } from './messages.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `@context` is exactly the DSP context, as a string or a one-element array. */
export function isDspOnlyContext(ctx: unknown): boolean {
  return ctx === DSP_CONTEXT_URL || (Array.isArray(ctx) && ctx.length === 1 && ctx[0] === DSP_CONTEXT_URL);
}

/** Every context URL referenced at the top of `@context` (inline objects are looked into by jsonld.js). */
function contextUrls(ctx: unknown): string[] {
  if (typeof ctx === 'string') return [ctx];
  if (Array.isArray(ctx)) return ctx.filter((c): c is string => typeof c === 'string');
  return [];
}

/**
 * Expands `body` with the offline loader and compacts it against the DSP 2025-1 context.
 * The result carries `@context: [DSP context]`. Throws ValidationError (`unknown_context` for a
 * context URL we do not bundle, `invalid_jsonld` for malformed JSON-LD).
 */
export async function compactToDsp(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  for (const url of contextUrls(body['@context'])) {
    if (!isKnownContextUrl(url)) {
      throw new ValidationError(
        `JSON-LD context ${url} is not one this connector knows; remote contexts are never fetched`,
        { pointer: '/@context', url },
        'unknown_context',
      );
    }
  }
  const expanded = await expandOffline(body);
  if (expanded.length !== 1) {
    throw new ValidationError(
      expanded.length === 0
        ? 'the body has no JSON-LD content (no @context, or no term it defines)'
        : 'the body holds several top-level JSON-LD nodes; a DSP message is one node',
      { pointer: '' },
      'invalid_jsonld',
    );
  }
  const compacted = await compactOffline(expanded, DSP_CONTEXT_URL);
  const { '@context': _ctx, ...rest } = compacted;
  return { '@context': [DSP_CONTEXT_URL], ...rest };
}

/**
 * Decodes an incoming DSP body as `expectedType` (its compact `@type`). Returns the validated message
 * in 2025-1 compacted form with `@context: ["https://w3id.org/dspace/2025/1/context.jsonld"]`.
 * Throws ValidationError (400) with `details.pointer` on any problem.
 */
export async function decodeMessage<T extends DspMessageType>(
  body: unknown,
  expectedType: T,
): Promise<DspMessageMap[T]> {
  // Expanded JSON-LD is an array of node objects (usually one) and needs no @context.
  if (Array.isArray(body)) {
    if (body.length !== 1 || !isPlainObject(body[0])) {
      throw new ValidationError(`invalid ${expectedType}: the body must be one JSON object`, { pointer: '' });
    }
    return validateDspMessage(expectedType, await compactToDsp(body[0]));
  }
  if (!isPlainObject(body)) {
    throw new ValidationError(`invalid ${expectedType}: the body must be a JSON object`, { pointer: '' });
  }
  const ctx = body['@context'];
  if (isDspOnlyContext(ctx)) {
    try {
      const msg = validateDspMessage(expectedType, body);
      return Array.isArray(ctx) ? msg : ({ ...msg, '@context': [DSP_CONTEXT_URL] } as DspMessageMap[T]);
    } catch (fastErr) {
      // Only a JSON-LD pass can tell whether the body is a legal non-compact spelling; if that fails
      // too, the fast-path error (pointers into what the peer sent) is the clearer one.
      try {
        return validateDspMessage(expectedType, await compactToDsp(body));
      } catch {
        throw fastErr;
      }
    }
  }
  if (ctx === undefined && !Object.keys(body).some((k) => k.includes(':'))) {
    // Neither compacted (no @context) nor expanded (no IRI keys): say what is missing.
    throw new ValidationError(`invalid ${expectedType}: /@context is required`, {
      type: expectedType,
      pointer: '/@context',
    });
  }
  return validateDspMessage(expectedType, await compactToDsp(body));
}

/**
 * Like decodeMessage, but the type is taken from the body: one of `allowed` (e.g. the messages a
 * negotiation endpoint accepts). Returns the message; its `@type` tells which.
 */
export async function decodeAnyOf<T extends DspMessageType>(
  body: unknown,
  allowed: readonly T[],
): Promise<DspMessageMap[T]> {
  let type: unknown = isPlainObject(body) ? body['@type'] : undefined;
  if (Array.isArray(body) && body.length === 1 && isPlainObject(body[0])) {
    type = (await compactToDsp(body[0]))['@type'];
  } else if (isPlainObject(body) && !isDspOnlyContext(body['@context'])) {
    type = (await compactToDsp(body))['@type'];
  }
  const match = allowed.find((t) => t === type);
  if (match === undefined) {
    throw new ValidationError(`@type must be one of ${allowed.join(', ')}, got ${JSON.stringify(type)}`, {
      pointer: '/@type',
    });
  }
  return decodeMessage(body, match);
}
