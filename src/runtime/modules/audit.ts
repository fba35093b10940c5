import { AuditLog, appendAuditEntries, appendAuditEntry } from '../../audit/log.js';
import type { TreeHeadSigner } from '../../audit/tree-head.js';
import { auditorRouter } from '../../http/auditor/audit.js';
import { receiptManagementRouter } from '../../http/management/receipts.js';
import { receiptRouter } from '../../http/protocol/audit.js';
import { claimLease } from '../../store/leases.js';
import type { ModuleFactory } from '../module.js';

const LEASE = 'audit.tree-head';

/**
 * The contract log (issue 8): `services.audit.append`, the auditor API, and the worker that signs
 * tree heads every `audit.treeHeadEveryEntries` entries or `audit.treeHeadEverySeconds` seconds
 * (one replica at a time, under a lease), and agreement receipts for the counter-party on the
 * protocol listener (GET /audit/receipts/{agreementId}, DCP-authenticated). Tree heads are signed by the identity service's key;
 * `options.signer` replaces it (tests, or a key held elsewhere).
 */
export function auditModuleWith(options: { signer?: TreeHeadSigner } = {}): ModuleFactory {
  return (ctx) => {
    const identity = ctx.services.identity;
    const signer: TreeHeadSigner | undefined =
      options.signer ??
      (identity ? { signJws: (payload, o) => identity.sign(payload, { typ: o.typ }) } : undefined);
    if (!signer) ctx.log.warn('audit: no identity service and no signer, so no tree head will be signed');
    const log = new AuditLog({ db: ctx.db, logId: ctx.services.did, signer });
    ctx.services.audit = {
      append: (tx, entry) => appendAuditEntry(tx, entry),
      appendMany: (tx, entries) => appendAuditEntries(tx, entries),
    };
    const { treeHeadEveryEntries, treeHeadEverySeconds } = ctx.config.audit;
    let timer: ReturnType<typeof setInterval> | undefined;
    let running: Promise<void> | undefined;
    const tick = async () => {
      const ttl = Math.max(5_000, treeHeadEverySeconds * 2_000);
      if (!(await claimLease(ctx.db, LEASE, ctx.instanceId, ttl))) return;
      const head = await log.maybeSignTreeHead(treeHeadEveryEntries, treeHeadEverySeconds);
      if (head) ctx.log.debug({ treeSize: head.treeSize }, 'audit: signed a tree head');
    };
    return {
      name: 'audit',
      auditor: auditorRouter(ctx.db, log),
      protocol: receiptRouter(log, () => ctx.services.identity),
      management: receiptManagementRouter({
        log,
        negotiations: () => ctx.services.negotiations,
        identity: () => ctx.services.identity,
        assertAllowedUrl: ctx.assertAllowedUrl,
        fetch: ctx.fetch,
        timeoutMs: ctx.config.network.timeoutMs,
      }),
      start() {
        // Rebuild the node cache now rather than on the first proof, and say loudly if the stored
        // log no longer matches what was signed.
        void log.selfCheck().then(
          (problem) => problem && ctx.log.error({ problem }, 'audit: the stored log fails its self-check'),
          (err: unknown) => ctx.log.warn({ err }, 'audit: self-check failed to run'),
        );
        if (!signer) return;
        const everyMs = Math.min(1_000, treeHeadEverySeconds * 1_000);
        timer = setInterval(() => {
          running ??= tick()
            .catch((err: unknown) => ctx.log.warn({ err }, 'audit: signing a tree head failed'))
            .finally(() => (running = undefined));
        }, everyMs);
        timer.unref();
      },
      async stop() {
        if (timer) clearInterval(timer);
        await running;
      },
    };
  };
}

export const auditModule: ModuleFactory = auditModuleWith();
