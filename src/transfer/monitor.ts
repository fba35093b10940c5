/**
 * The policy monitor: a periodic worker (one replica at a time, through a named lease) that
 * terminates running provider transfers whose agreement no longer holds (expired, retired, gone, or
 * the consumer's credentials revoked) and tells the consumer why.
 */
import type { Logger } from 'pino';
import type { VerifiedParticipant } from '../identity/participant.js';
import type { Database } from '../store/db.js';
import { claimLease, releaseLease } from '../store/leases.js';
import { denialSummary, evaluateAgreement, permitsTransfer } from './agreements.js';
import type { AgreementLookup } from './agreements.js';
import type { TransferManager } from './manager.js';
import { listTransfers, usageOf } from './repository.js';
import type { TransferRecord } from './repository.js';

export const MONITOR_LEASE = 'transfer.policy-monitor';

export interface MonitorDeps {
  db: Database;
  manager: TransferManager;
  agreement: AgreementLookup;
  /** Re-checks the consumer's credentials (revocation); returns those still valid. */
  refreshParticipant?: (p: VerifiedParticipant) => Promise<VerifiedParticipant>;
  owner: string;
  intervalMs: number;
  log?: Logger;
}

export class PolicyMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly deps: MonitorDeps) {}

  start() {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runIfLeader()
        .catch((err: unknown) => this.deps.log?.warn({ err }, 'policy monitor run failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.deps.intervalMs);
          this.timer?.unref?.();
        });
    };
    this.timer = setTimeout(tick, this.deps.intervalMs);
    this.timer.unref?.();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await releaseLease(this.deps.db, MONITOR_LEASE, this.deps.owner).catch(() => undefined);
  }

  private async runIfLeader(): Promise<string[]> {
    const leader = await claimLease(this.deps.db, MONITOR_LEASE, this.deps.owner, this.deps.intervalMs * 3);
    return leader ? this.runOnce() : [];
  }

  /** Why a running transfer must stop, or undefined when its policy still holds. */
  async violation(t: TransferRecord, now = new Date()): Promise<string | undefined> {
    const agreement = await this.deps.agreement(t.agreementId);
    if (!agreement) return `agreement ${t.agreementId} no longer exists`;
    if (agreement.retired) return `agreement ${t.agreementId} was retired`;
    let participant = t.participant ?? undefined;
    if (participant && this.deps.refreshParticipant) {
      participant = await this.deps.refreshParticipant(participant);
    }
    const decision = evaluateAgreement(this.deps.manager.policies, agreement, 'transfer', {
      now,
      participant,
      // The count is enforced per request; here it only matters once the last use has been made, which
      // is not a violation (uses so far minus one: the last use itself still holds).
      usageCount: Math.max(0, (await usageOf(this.deps.db, t.agreementId)) - 1),
    });
    if (permitsTransfer(decision)) return undefined;
    const s = denialSummary(decision);
    return `the agreement's policy no longer holds (${s.rule}${s.constraint ? `, ${s.constraint}` : ''}): ${s.reasons.join('; ')}`;
  }

  /** Checks every running provider transfer once; returns the ids it terminated. */
  async runOnce(now = new Date()): Promise<string[]> {
    const terminated: string[] = [];
    for (const state of ['STARTED', 'SUSPENDED'] as const) {
      for (let offset = 0; ; offset += 200) {
        const page = await listTransfers(this.deps.db, {
          role: 'provider',
          state,
          limit: 200,
          offset,
          sort: 'createdAt',
        });
        for (const t of page.items) {
          const why = await this.violation(t, now).catch((e: unknown) => {
            this.deps.log?.warn({ err: e, transferId: t.id }, 'policy monitor could not check a transfer');
            return undefined;
          });
          if (!why) continue;
          try {
            await this.deps.manager.act(t.id, 'terminate', 'policy-monitor', {
              code: 'policy_violation',
              reason: why,
            });
            terminated.push(t.id);
            this.deps.log?.info({ transferId: t.id, reason: why }, 'policy monitor terminated a transfer');
          } catch (e) {
            this.deps.log?.debug(
              { err: e, transferId: t.id },
              'transfer changed while the monitor looked at it',
            );
          }
        }
        if (page.items.length < 200) break;
      }
    }
    return terminated;
  }
}
