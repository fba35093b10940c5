/**
 * Writing the export (JSON Lines) and receipt formats that `verify.ts` reads. Pure string
 * builders; the store-backed streaming lives in `log.ts`.
 */
import type { AuditEntry } from './entry.js';
import { canonicalEntry, entryLeafHash } from './entry.js';
import { toHex } from './merkle.js';
import type { AuditReceipt, ExportHeader } from './verify.js';
import { EXPORT_FORMAT, RECEIPT_FORMAT } from './verify.js';

export function exportHeaderLine(header: Omit<ExportHeader, 'format'>): string {
  const line: ExportHeader = { format: EXPORT_FORMAT, ...header };
  return JSON.stringify(line) + '\n';
}

/**
 * One entry line: the canonical JSON of the entry with `leafHash` (the hash recorded at append
 * time, computed when absent) added as the last member. Keeping the entry part canonical lets the
 * verifier hash the line's own text instead of re-serialising it (see `verify.ts`).
 */
export function exportEntryLine(entry: AuditEntry, leafHash?: Uint8Array | string): string {
  const hex =
    leafHash === undefined
      ? toHex(entryLeafHash(entry))
      : typeof leafHash === 'string'
        ? leafHash
        : toHex(leafHash);
  return canonicalEntry(entry).slice(0, -1) + `,"leafHash":"${hex}"}\n`;
}

export function exportTreeHeadLine(jws: string): string {
  return JSON.stringify({ treeHead: jws }) + '\n';
}

export function buildReceipt(
  logId: string,
  entry: AuditEntry,
  treeHead: string,
  inclusionProof: readonly Uint8Array[],
): AuditReceipt {
  return {
    format: RECEIPT_FORMAT,
    logId,
    entry,
    leafHash: toHex(entryLeafHash(entry)),
    treeHead,
    inclusionProof: inclusionProof.map(toHex),
  };
}
