import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared next to the project (reference copies); tests that need it skip when it is absent. */
export const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared');
export const HAVE_SHARED = existsSync(SHARED);
