import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { JWK } from 'jose';
import type { TreeHeadKeyResolver } from '../../audit/tree-head.js';
import { decodeTreeHead } from '../../audit/tree-head.js';
import type { VerifyOptions, VerifyReport } from '../../audit/verify.js';
import {
  verifyConsistencyProof,
  verifyExport,
  verifyInclusionProof,
  verifyReceipt,
} from '../../audit/verify.js';
import { createDidResolver, createFetchJson } from '../../identity/index.js';
import { multibaseKeyToJwk } from '../../identity/verification-method.js';

/** Exit codes (CONTRIBUTING): 0 verified, 1 something does not verify, 2 bad usage or unreadable input. */
class UsageError extends Error {}

/** A value given on the command line: a file path when such a file exists, else the text itself. */
function textOrFile(value: string): string {
  return existsSync(value) ? readFileSync(value, 'utf8').trim() : value.trim();
}

function jsonOf(value: string, what: string): unknown {
  try {
    return JSON.parse(textOrFile(value));
  } catch {
    throw new UsageError(`${what} is neither a JSON file nor JSON: ${value.slice(0, 80)}`);
  }
}

interface VerifyCliOptions {
  treeHead: string[];
  receipt?: string;
  proof?: string;
  key?: string;
  did?: string;
  allowHttp?: boolean;
  json?: boolean;
}

/**
 * The keys to check tree heads with: `--key` (a JWK), else the log's DID document, resolved
 * (did:web over HTTPS, or HTTP for loopback hosts with --allow-http; did:key offline).
 */
function keysFor(opts: VerifyCliOptions): VerifyOptions['keys'] {
  if (opts.key) {
    const jwk = jsonOf(opts.key, '--key') as JWK & { keys?: JWK[] };
    if (Array.isArray(jwk.keys)) {
      const set = jwk.keys;
      return (async (kid: string) =>
        set.find((k) => k.kid === kid || kid.endsWith(`#${k.kid}`)) ??
        (set.length === 1 ? set[0] : undefined)) as TreeHeadKeyResolver;
    }
    return jwk;
  }
  const resolver = createDidResolver({
    fetchJson: createFetchJson(),
    allowHttpLoopback: opts.allowHttp ?? false,
  });
  return async (kid: string) => {
    const vm = await resolver.resolveVerificationMethod(kid, 'assertionMethod');
    if (vm.publicKeyJwk) return vm.publicKeyJwk;
    if (vm.publicKeyMultibase) return multibaseKeyToJwk(vm.publicKeyMultibase);
    return undefined;
  };
}

function lines(path: string): AsyncIterable<string> {
  if (path !== '-' && !existsSync(path)) throw new UsageError(`no such file: ${path}`);
  const input = path === '-' ? process.stdin : createReadStream(path);
  return createInterface({ input, crlfDelay: Infinity });
}

function print(title: string, report: VerifyReport, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ input: title, ...report }));
    return;
  }
  const parts = [
    report.logId ? `log ${report.logId}` : undefined,
    `${report.entries} entries`,
    report.rootHash ? `root ${report.rootHash}` : undefined,
    `${report.treeHeadsVerified} signed tree heads verified`,
  ].filter(Boolean);
  console.log(`${title}: ${parts.join(', ')}`);
  if (report.ok) {
    console.log('  OK: every hash, root, signature and proof verifies');
    return;
  }
  const first = report.problems.find((p) => p.seq !== undefined);
  console.log(
    `  FAILED: ${report.problems.length} problem(s)` + (first ? `; first bad entry: seq ${first.seq}` : ''),
  );
  for (const p of report.problems) {
    console.log(`  ${p.seq !== undefined ? `seq ${p.seq}` : '-'} [${p.check}] ${p.message}`);
  }
}

async function runVerify(exportPath: string | undefined, opts: VerifyCliOptions): Promise<number> {
  if (!exportPath && !opts.receipt && !opts.proof) {
    throw new UsageError('give an export file (or - for stdin), --receipt <file> or --proof <file>');
  }
  const heads = opts.treeHead.map(textOrFile);
  for (const h of heads) decodeTreeHead(h); // a malformed head given by hand is a usage error
  const options: VerifyOptions = { keys: keysFor(opts), treeHeads: heads, expectedLogId: opts.did };
  if (!opts.key && !opts.did) {
    // Whoever wrote the export chose the DID it names; only a pinned DID or key proves whose log it is.
    console.error(
      "pontis audit: checking signatures against the DID the input names; pass --did or --key to pin the connector's identity",
    );
  }
  let ok = true;
  if (exportPath) {
    const report = await verifyExport(lines(exportPath), options);
    print(exportPath === '-' ? 'stdin' : exportPath, report, opts.json ?? false);
    ok &&= report.ok;
  }
  if (opts.receipt) {
    const report = await verifyReceipt(jsonOf(opts.receipt, '--receipt'), options);
    print(`receipt ${opts.receipt}`, report, opts.json ?? false);
    ok &&= report.ok;
  }
  if (opts.proof) {
    const proof = jsonOf(opts.proof, '--proof') as Record<string, unknown>;
    let report: VerifyReport;
    if (Array.isArray(proof.proof) && typeof proof.size1 === 'number' && typeof proof.size2 === 'number') {
      if (heads.length !== 2)
        throw new UsageError('a consistency proof needs two --tree-head (the smaller first)');
      report = await verifyConsistencyProof(
        { size1: proof.size1, size2: proof.size2, proof: proof.proof as string[] },
        heads[0]!,
        heads[1]!,
        options,
      );
    } else if (
      typeof proof.leafIndex === 'number' &&
      typeof proof.leafHash === 'string' &&
      Array.isArray(proof.proof)
    ) {
      const head = typeof proof.treeHead === 'string' ? proof.treeHead : heads[0];
      if (!head) throw new UsageError('an inclusion proof needs a tree head (in the proof or --tree-head)');
      report = await verifyInclusionProof(
        { leafIndex: proof.leafIndex, leafHash: proof.leafHash, proof: proof.proof as string[] },
        head,
        options,
      );
    } else {
      throw new UsageError('--proof is neither an inclusion proof nor a consistency proof');
    }
    print(`proof ${opts.proof}`, report, opts.json ?? false);
    ok &&= report.ok;
  }
  return ok ? 0 : 1;
}

interface FetchCliOptions {
  url: string;
  apiKey?: string;
  apiKeyFile?: string;
  out?: string;
}

async function auditorFetch(path: string, opts: FetchCliOptions): Promise<Response> {
  const key = opts.apiKey ?? (opts.apiKeyFile ? readFileSync(opts.apiKeyFile, 'utf8').trim() : undefined);
  if (!key) throw new UsageError('give the auditor credential with --api-key or --api-key-file');
  const url = `${opts.url.replace(/\/+$/, '')}/v1/audit${path}`;
  const res = await fetch(url, { headers: { 'X-Api-Key': key } });
  if (!res.ok) {
    const body = await res.text();
    throw new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 300)}`);
  }
  return res;
}

async function save(res: Response, out: string | undefined): Promise<void> {
  const body = Readable.fromWeb(res.body as never);
  if (!out || out === '-') await pipeline(body, process.stdout, { end: false });
  else await pipeline(body, createWriteStream(out));
}

const fetchOptions = (cmd: Command) =>
  cmd
    .requiredOption('--url <url>', 'management listener base URL, e.g. http://localhost:8181')
    .option('--api-key <key>', 'the auditor API key')
    .option('--api-key-file <file>', 'file holding the auditor API key (e.g. <dataDir>/auditor-api-key)')
    .option('-o, --out <file>', 'write here instead of stdout');

/** Runs an action and maps its outcome to the exit code, printing usage errors. */
function exitWith(run: () => Promise<number>): Promise<void> {
  return run().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        console.error(`pontis audit: ${e.message}`);
        process.exitCode = 2;
        return;
      }
      throw e;
    },
  );
}

export function auditCommand(program: Command): void {
  const audit = program.command('audit').description('Export and verify the tamper-evident contract log');

  audit
    .command('verify')
    .description(
      'Verify an audit export (JSON Lines), a receipt or a proof offline: recomputes every leaf and root, ' +
        "checks tree head signatures against the connector's DID and names the first bad entry. Exit 0 only when all verifies.",
    )
    .argument('[export]', 'export file from `pontis audit export` (- for stdin)')
    .option(
      '--tree-head <jws>',
      'a signed tree head you hold (compact JWS, or a file); repeatable',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--receipt <file>', 'an agreement receipt to verify')
    .option(
      '--proof <file>',
      'an inclusion proof (with its treeHead) or a consistency proof (with two --tree-head)',
    )
    .option(
      '--key <jwk>',
      "the connector's public key as a JWK or JWK set (file or JSON) instead of resolving its DID",
    )
    .option('--did <did>', 'the DID the log must belong to')
    .option('--allow-http', 'resolve did:web over plain HTTP for loopback hosts')
    .option('--json', 'print the report as JSON')
    .action((exportPath: string | undefined, opts: VerifyCliOptions) =>
      exitWith(() => runVerify(exportPath, opts)),
    );

  fetchOptions(
    audit
      .command('export')
      .description(
        'Download the whole log as JSON Lines from the auditor API (streamed) for `pontis audit verify`',
      ),
  ).action((opts: FetchCliOptions) =>
    exitWith(async () => {
      await save(await auditorFetch('/export', opts), opts.out);
      return 0;
    }),
  );

  fetchOptions(
    audit
      .command('receipt')
      .description("Download an agreement's receipt (entry, inclusion proof, signed tree head)")
      .argument('<agreementId>', 'the agreement id'),
  ).action((agreementId: string, opts: FetchCliOptions) =>
    exitWith(async () => {
      await save(await auditorFetch(`/receipts/${encodeURIComponent(agreementId)}`, opts), opts.out);
      return 0;
    }),
  );
}
