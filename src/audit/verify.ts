/**
 * Offline verification of audit exports, agreement receipts and proofs. Pure: it reads lines or
 * parsed documents and public keys, recomputes every leaf and root, and reports every problem it
 * finds, each naming the entry (seq) where it can. Used by `pontis audit verify` and the tests.
 *
 * Export format (JSON Lines, `pontis-audit-export/1`):
 *   line 1   `{"format":"pontis-audit-export/1","logId":"did:...","treeSize":n,"treeHead":"<JWS at size n>",...}`
 *   then     one entry per line, seq 0..n-1 in order: the six entry fields plus `leafHash` (hex),
 *            the leaf hash the connector recorded when it appended the entry
 *   then     zero or more `{"treeHead":"<JWS>"}` lines: historical signed tree heads
 *
 * What catches what:
 * - a changed field: its recomputed leaf differs from the recorded `leafHash` (named exactly), and
 *   from what every signed tree head covering it committed to (named to the range between the
 *   last head that still matches and the first that does not, when `leafHash` was rewritten too);
 * - deleted, duplicated or reordered entries: the seq sequence 0..n-1 breaks (named);
 * - truncation: a tree head (the header's, one of the historical ones or one the auditor holds)
 *   is larger than the number of entries (named: the first missing seq).
 * A tree head the auditor fetched independently (`treeHeads` option) is what defeats an operator
 * who rewrites the whole log and re-signs it: the export must be consistent with it.
 */
import { UnprocessableError, ValidationError } from '../errors.js';
import { entryLeafHash, isPlainObject, parseAuditEntry } from './entry.js';
import type { AuditEntry } from './entry.js';
import { MerkleTree, fromHex, hashLeaf, toHex, verifyConsistency, verifyInclusion } from './merkle.js';
import { verifyTreeHead } from './tree-head.js';
import type { SignedTreeHead, TreeHeadKeys } from './tree-head.js';

export const EXPORT_FORMAT = 'pontis-audit-export/1';
export const RECEIPT_FORMAT = 'pontis-audit-receipt/1';

export type CheckName =
  | 'format'
  | 'header'
  | 'entry-format'
  | 'sequence'
  | 'leaf-hash'
  | 'tree-head'
  | 'truncated'
  | 'root-mismatch'
  | 'fork'
  | 'uncovered'
  | 'inclusion'
  | 'consistency';

export interface Problem {
  /** The first entry concerned, when one can be named. */
  seq?: number;
  check: CheckName;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Entries read (export) or checked (receipt, proof). */
  entries: number;
  logId?: string;
  /** Recomputed root over all entries read, hex. */
  rootHash?: string;
  /** Signed tree heads whose signature verified and whose root matched. */
  treeHeadsVerified: number;
  problems: Problem[];
}

export interface VerifyOptions {
  /** Public key(s) of the connector's DID. Without them no signature can be checked (a problem). */
  keys?: TreeHeadKeys;
  /** Tree heads the auditor holds from elsewhere (compact JWS); checked like the export's own. */
  treeHeads?: readonly string[];
  /** Fail when the log is not this DID. */
  expectedLogId?: string;
  /** Stop collecting after this many problems (default 100); `ok` is false either way. */
  maxProblems?: number;
}

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  logId: string;
  /** Number of entries that follow; the header's tree head (when present) is at this size. */
  treeSize?: number;
  treeHead?: string;
  exportedAt?: string;
}

/** A receipt: one entry, its inclusion proof, and a signed tree head that the proof leads to. */
export interface AuditReceipt {
  format: typeof RECEIPT_FORMAT;
  logId: string;
  entry: AuditEntry;
  leafHash: string;
  treeHead: string;
  /** Hex hashes from the leaf upwards (RFC 9162 inclusion path). */
  inclusionProof: string[];
}

/** A consistency proof between two tree sizes (RFC 9162 section 2.1.4), hex hashes. */
export interface ConsistencyProofDocument {
  size1: number;
  size2: number;
  proof: string[];
}

class Problems {
  readonly list: Problem[] = [];
  private dropped = 0;
  constructor(private readonly max: number) {}
  add(check: CheckName, message: string, seq?: number): void {
    if (this.list.length >= this.max) {
      this.dropped++;
      return;
    }
    this.list.push(seq === undefined ? { check, message } : { seq, check, message });
  }
  get count(): number {
    return this.list.length + this.dropped;
  }
  finish(): Problem[] {
    if (this.dropped > 0)
      this.list.push({ check: 'format', message: `${this.dropped} further problems not listed` });
    // The first bad entry first: sort by seq (unnamed problems after), stable otherwise.
    return this.list
      .map((p, i) => ({ p, i }))
      .sort((a, b) => (a.p.seq ?? Infinity) - (b.p.seq ?? Infinity) || a.i - b.i)
      .map(({ p }) => p);
  }
}

/**
 * Verifies an export given as lines (a file read with readline, an HTTP body split on '\n').
 * Streams: memory is the node cache (about 64 bytes per entry), not the entries.
 */
export async function verifyExport(
  lines: AsyncIterable<string> | Iterable<string>,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const problems = new Problems(options.maxProblems ?? 100);
  const tree = new MerkleTree();
  /** Positions where an entry-level check failed, in order: to name the entry behind a root mismatch. */
  const suspects: number[] = [];
  const heads: { jws: string; source: string }[] = [];
  let header: ExportHeader | undefined;
  let lineNo = 0;
  let expected = 0;
  let sawHeadsSection = false;

  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.add('format', `line ${lineNo} is not JSON`, header ? expected : undefined);
      if (header && !sawHeadsSection) {
        suspects.push(tree.size);
        // Keep the tree aligned with seq so later entries are still checked against tree heads.
        tree.append(new Uint8Array(32));
        expected++;
      }
      continue;
    }
    if (!header) {
      header = checkHeader(value, problems);
      if (!header) return report(false, 0, undefined, tree, 0, problems);
      if (header.treeHead) heads.push({ jws: header.treeHead, source: 'the export header' });
      continue;
    }
    if (isPlainObject(value) && 'treeHead' in value && !('seq' in value)) {
      sawHeadsSection = true;
      if (typeof value.treeHead !== 'string')
        problems.add('tree-head', `line ${lineNo}: "treeHead" is not a string`);
      else heads.push({ jws: value.treeHead, source: `line ${lineNo}` });
      continue;
    }
    if (sawHeadsSection) {
      problems.add('format', `line ${lineNo}: an entry after the tree heads section`, expected);
    }
    let entry: AuditEntry;
    try {
      entry = parseAuditEntry(value);
    } catch (e) {
      const seq = isPlainObject(value) && typeof value.seq === 'number' ? value.seq : expected;
      problems.add('entry-format', `line ${lineNo}: ${(e as Error).message}`, seq);
      suspects.push(tree.size);
      tree.append(new Uint8Array(32));
      expected++;
      continue;
    }
    if (entry.seq !== expected) {
      suspects.push(Math.min(entry.seq, expected));
      if (entry.seq > expected) {
        const missing =
          entry.seq - expected === 1 ? `seq ${expected} is` : `seqs ${expected}..${entry.seq - 1} are`;
        problems.add(
          'sequence',
          `line ${lineNo} has seq ${entry.seq} but ${missing} missing (deleted or moved)`,
          expected,
        );
      } else {
        problems.add(
          'sequence',
          `line ${lineNo} has seq ${entry.seq} after seq ${expected - 1} (out of order or duplicated)`,
          entry.seq,
        );
      }
    }
    const leaf = leafOfCanonicalLine(line, value as Record<string, unknown>) ?? entryLeafHash(entry);
    const recorded = (value as Record<string, unknown>).leafHash;
    if (recorded !== undefined && recorded !== toHex(leaf)) {
      if (typeof recorded !== 'string' || !/^[0-9a-f]{64}$/.test(recorded)) {
        problems.add(
          'entry-format',
          `entry seq ${entry.seq}: "leafHash" is not 64 lowercase hex characters`,
          entry.seq,
        );
      } else {
        suspects.push(tree.size);
        problems.add(
          'leaf-hash',
          `entry seq ${entry.seq} does not match the leaf hash recorded when it was appended: a field was changed`,
          entry.seq,
        );
      }
    }
    tree.append(leaf);
    // Resynchronise on the seq read, so one deletion is one problem, not one per later entry.
    expected = Math.max(expected, entry.seq) + 1;
  }

  if (!header) {
    problems.add('header', 'the export is empty: no header line');
    return report(false, 0, undefined, tree, 0, problems);
  }
  if (header.treeSize !== undefined && header.treeSize !== tree.size) {
    if (header.treeSize > tree.size) {
      problems.add(
        'truncated',
        `the header announces ${header.treeSize} entries but ${tree.size} follow`,
        tree.size,
      );
    } else {
      problems.add(
        'format',
        `the header announces ${header.treeSize} entries but ${tree.size} follow`,
        header.treeSize,
      );
    }
  }
  for (const jws of options.treeHeads ?? []) heads.push({ jws, source: 'a tree head given to the verifier' });

  const verified = await checkHeads(heads, header.logId, tree, suspects, problems, options);
  const largest = verified.reduce((m, h) => Math.max(m, h.treeSize), -1);
  const explained = problems.list.some((p) => p.check === 'truncated' || p.check === 'root-mismatch');
  // A truncation or a mismatch explains the missing coverage; saying both would name the wrong first entry.
  if (tree.size > 0 && largest < tree.size && !explained) {
    const from = Math.max(largest, 0);
    problems.add(
      'uncovered',
      `entries from seq ${from} to ${tree.size - 1} are not covered by any verified signed tree head`,
      from,
    );
  }
  const ok = problems.count === 0;
  return report(ok, tree.size, header.logId, tree, verified.length, problems);
}

const LINE_KEYS = ['actor', 'content', 'seq', 'subjects', 'time', 'type', 'leafHash'];

/**
 * Fast path for lines as `exportEntryLine` writes them: when the line minus its trailing `leafHash`
 * member is already the RFC 8785 form of the entry, hash that text directly. The checks make this
 * exact: the parsed value re-serialises to the very same text (so no whitespace, escapes or number
 * forms differ from ECMAScript's), its members are the six entry fields then leafHash, and every
 * nested object's keys are in code-unit order. Anything else falls back to canonicalising.
 */
function leafOfCanonicalLine(line: string, value: Record<string, unknown>): Uint8Array | undefined {
  const recorded = value.leafHash;
  if (typeof recorded !== 'string' || recorded.length !== 64) return undefined;
  const tail = `,"leafHash":"${recorded}"}`;
  if (!line.endsWith(tail)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== LINE_KEYS.length || keys.some((k, i) => k !== LINE_KEYS[i])) return undefined;
  if (!sortedDeep(value.content) || !sortedDeep(value.subjects)) return undefined;
  if (JSON.stringify(value) !== line) return undefined;
  return hashLeaf(line.slice(0, line.length - tail.length) + '}');
}

function sortedDeep(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (Array.isArray(v)) return v.every(sortedDeep);
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1]! < keys[i]!)) return false;
    if (!sortedDeep((v as Record<string, unknown>)[keys[i]!])) return false;
  }
  return true;
}

function report(
  ok: boolean,
  entries: number,
  logId: string | undefined,
  tree: MerkleTree,
  treeHeadsVerified: number,
  problems: Problems,
): VerifyReport {
  const out: VerifyReport = { ok, entries, treeHeadsVerified, problems: problems.finish() };
  if (logId !== undefined) out.logId = logId;
  if (tree.size > 0) out.rootHash = toHex(tree.root());
  return out;
}

function checkHeader(value: unknown, problems: Problems): ExportHeader | undefined {
  if (!isPlainObject(value) || value.format !== EXPORT_FORMAT) {
    problems.add('header', `the first line is not a "${EXPORT_FORMAT}" header`);
    return undefined;
  }
  if (typeof value.logId !== 'string' || !value.logId.startsWith('did:')) {
    problems.add('header', 'the header "logId" is not a DID');
    return undefined;
  }
  const header: ExportHeader = { format: EXPORT_FORMAT, logId: value.logId };
  if (value.treeSize !== undefined) {
    if (typeof value.treeSize !== 'number' || !Number.isSafeInteger(value.treeSize) || value.treeSize < 0) {
      problems.add('header', 'the header "treeSize" is not a non-negative integer');
    } else header.treeSize = value.treeSize;
  }
  if (value.treeHead !== undefined) {
    if (typeof value.treeHead !== 'string') problems.add('header', 'the header "treeHead" is not a string');
    else header.treeHead = value.treeHead;
  }
  if (typeof value.exportedAt === 'string') header.exportedAt = value.exportedAt;
  return header;
}

async function checkHeads(
  heads: { jws: string; source: string }[],
  logId: string,
  tree: MerkleTree,
  suspects: number[],
  problems: Problems,
  options: VerifyOptions,
): Promise<SignedTreeHead[]> {
  const good: SignedTreeHead[] = [];
  const signed: { head: SignedTreeHead; source: string }[] = [];
  const bySize = new Map<number, SignedTreeHead>();
  for (const { jws, source } of heads) {
    let head: SignedTreeHead;
    try {
      if (!options.keys)
        throw new UnprocessableError('no public key was given to check tree head signatures');
      head = await verifyTreeHead(jws, options.keys, options.expectedLogId ?? logId);
    } catch (e) {
      problems.add('tree-head', `the tree head from ${source}: ${(e as Error).message}`);
      continue;
    }
    const same = bySize.get(head.treeSize);
    if (same && same.rootHash !== head.rootHash) {
      problems.add(
        'fork',
        `two signed tree heads at size ${head.treeSize} have different roots (${same.rootHash}, ${head.rootHash}): the log forked`,
      );
    }
    bySize.set(head.treeSize, head);
    signed.push({ head, source });
  }
  // Smallest first, so the first mismatching head bounds the first bad entry from below.
  signed.sort((a, b) => a.head.treeSize - b.head.treeSize);
  let reportedMismatch = false;
  for (const { head, source } of signed) {
    if (head.treeSize > tree.size) {
      problems.add(
        'truncated',
        `the tree head from ${source} covers ${head.treeSize} entries but the export has ${tree.size}: entries from seq ${tree.size} are missing`,
        tree.size,
      );
      continue;
    }
    if (toHex(tree.root(head.treeSize)) === head.rootHash) {
      good.push(head);
      continue;
    }
    if (reportedMismatch) {
      problems.add(
        'root-mismatch',
        `the tree head from ${source} (size ${head.treeSize}) does not match either`,
      );
      continue;
    }
    reportedMismatch = true;
    // The largest smaller head that matched bounds the first changed entry from below.
    const lastGood = good.reduce((m, g) => (g.treeSize < head.treeSize ? Math.max(m, g.treeSize) : m), 0);
    const named = suspects.find((s) => s >= lastGood && s < head.treeSize);
    if (named !== undefined) {
      problems.add(
        'root-mismatch',
        `the tree head from ${source} (size ${head.treeSize}) does not match the recomputed root: entry seq ${named} was changed, inserted or removed`,
        named,
      );
    } else {
      problems.add(
        'root-mismatch',
        `the tree head from ${source} (size ${head.treeSize}) does not match the recomputed root: an entry between seq ${lastGood} and ${head.treeSize - 1} was changed, inserted or removed`,
        lastGood,
      );
    }
  }
  return good;
}

/**
 * Verifies a receipt: the entry's leaf, the tree head's signature, and that the inclusion proof
 * leads from the leaf at index `entry.seq` to the tree head's root. Heads the auditor holds
 * (`treeHeads`) are not needed; give them to `verifyConsistencyProof` separately.
 */
export async function verifyReceipt(receipt: unknown, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems = new Problems(options.maxProblems ?? 100);
  const tree = new MerkleTree();
  if (!isPlainObject(receipt) || receipt.format !== RECEIPT_FORMAT) {
    problems.add('format', `not a "${RECEIPT_FORMAT}" document`);
    return report(false, 0, undefined, tree, 0, problems);
  }
  const logId = typeof receipt.logId === 'string' ? receipt.logId : undefined;
  let entry: AuditEntry;
  try {
    entry = parseAuditEntry(receipt.entry);
  } catch (e) {
    problems.add('entry-format', `receipt entry: ${(e as Error).message}`);
    return report(false, 0, logId, tree, 0, problems);
  }
  const leaf = entryLeafHash(entry);
  if (typeof receipt.leafHash === 'string' && receipt.leafHash !== toHex(leaf)) {
    problems.add(
      'leaf-hash',
      `entry seq ${entry.seq} does not match the receipt's leaf hash: a field was changed`,
      entry.seq,
    );
  }
  let head: SignedTreeHead | undefined;
  try {
    if (!options.keys)
      throw new UnprocessableError('no public key was given to check the tree head signature');
    if (typeof receipt.treeHead !== 'string') throw new ValidationError('receipt has no "treeHead"');
    head = await verifyTreeHead(receipt.treeHead, options.keys, options.expectedLogId ?? logId);
  } catch (e) {
    problems.add('tree-head', `receipt tree head: ${(e as Error).message}`);
  }
  const proof = parseHashes(receipt.inclusionProof, 'inclusionProof', problems);
  if (head && proof) {
    if (!verifyInclusion(entry.seq, head.treeSize, leaf, proof, fromHex(head.rootHash))) {
      problems.add(
        'inclusion',
        `entry seq ${entry.seq} is not included in the signed tree of size ${head.treeSize}: the entry or the proof was changed`,
        entry.seq,
      );
    }
  }
  const out = report(
    problems.count === 0,
    1,
    logId ?? head?.logId,
    tree,
    head && problems.count === 0 ? 1 : 0,
    problems,
  );
  if (head) out.rootHash = head.rootHash;
  return out;
}

/** Verifies an inclusion proof for a leaf hash against a signed tree head. */
export async function verifyInclusionProof(
  doc: { leafIndex: number; leafHash: string; proof: string[] },
  treeHead: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const problems = new Problems(options.maxProblems ?? 100);
  const head = await headOrProblem(treeHead, 'tree head', problems, options);
  const proof = parseHashes(doc.proof, 'proof', problems);
  let leaf: Uint8Array | undefined;
  try {
    leaf = fromHex(doc.leafHash);
  } catch {
    problems.add('format', '"leafHash" is not a 32-byte hex hash');
  }
  if (
    head &&
    proof &&
    leaf &&
    !verifyInclusion(doc.leafIndex, head.treeSize, leaf, proof, fromHex(head.rootHash))
  ) {
    problems.add(
      'inclusion',
      `leaf ${doc.leafIndex} is not included in the signed tree of size ${head.treeSize}`,
      doc.leafIndex,
    );
  }
  return report(
    problems.count === 0,
    1,
    head?.logId,
    new MerkleTree(),
    problems.count === 0 ? 1 : 0,
    problems,
  );
}

/** Verifies that the later tree head extends the earlier one (RFC 9162 section 2.1.4.2). */
export async function verifyConsistencyProof(
  doc: ConsistencyProofDocument,
  treeHead1: string,
  treeHead2: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const problems = new Problems(options.maxProblems ?? 100);
  const h1 = await headOrProblem(treeHead1, 'first tree head', problems, options);
  const h2 = await headOrProblem(treeHead2, 'second tree head', problems, options);
  const proof = parseHashes(doc.proof, 'proof', problems);
  if (h1 && h2 && proof) {
    if (h1.logId !== h2.logId)
      problems.add('consistency', `the tree heads are of different logs (${h1.logId}, ${h2.logId})`);
    else if (doc.size1 !== h1.treeSize || doc.size2 !== h2.treeSize) {
      problems.add(
        'consistency',
        `the proof is for sizes ${doc.size1} -> ${doc.size2}, the tree heads are at ${h1.treeSize} and ${h2.treeSize}`,
      );
    } else if (
      !verifyConsistency(h1.treeSize, h2.treeSize, proof, fromHex(h1.rootHash), fromHex(h2.rootHash))
    ) {
      problems.add(
        'consistency',
        `the tree of size ${h2.treeSize} is not an extension of the tree of size ${h1.treeSize}: entries before seq ${h1.treeSize} were changed`,
        0,
      );
    }
  }
  return report(problems.count === 0, 0, h1?.logId, new MerkleTree(), problems.count === 0 ? 2 : 0, problems);
}

async function headOrProblem(
  jws: string,
  what: string,
  problems: Problems,
  options: VerifyOptions,
): Promise<SignedTreeHead | undefined> {
  try {
    if (!options.keys) throw new UnprocessableError('no public key was given to check tree head signatures');
    return await verifyTreeHead(jws, options.keys, options.expectedLogId);
  } catch (e) {
    problems.add('tree-head', `${what}: ${(e as Error).message}`);
    return undefined;
  }
}

function parseHashes(value: unknown, field: string, problems: Problems): Uint8Array[] | undefined {
  if (!Array.isArray(value)) {
    problems.add('format', `"${field}" is not an array of hex hashes`);
    return undefined;
  }
  try {
    return value.map((h: unknown) => fromHex(String(h)));
  } catch {
    problems.add('format', `"${field}" holds something that is not a 32-byte hex hash`);
    return undefined;
  }
}
