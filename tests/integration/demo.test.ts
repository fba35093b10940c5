import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoRun } from '../../src/cli/demo/story.js';

// The main job (`npm run demo`) end to end, so it cannot silently break.
describe('pontis demo', () => {
  let run: DemoRun;
  let printed = '';
  afterAll(() => run?.stop());

  it('walks through the whole story and every step succeeds', async () => {
    const out = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          printed += chunk.toString();
          done();
        },
      }),
      { isTTY: false },
    );
    run = await runDemo({ out });
    const failed = run.outcomes.filter((o) => !o.ok);
    expect(failed, printed).toEqual([]);
    expect(run.outcomes.map((o) => o.name)).toEqual([
      'start the data space',
      'onboarding',
      'publish',
      'catalogue',
      'negotiate',
      'pull data',
      'revoke membership',
      'audit',
    ]);
    expect(run.ok).toBe(true);
  }, 180_000);

  it('refuses the EU-only negotiation with the rule that refused it', () => {
    expect(JSON.stringify(run.facts.refusal)).toMatch(/country 'NO' is not part of 'EU'/);
    expect(printed).toMatch(
      /traffic-counts: refused by the provider: denied: the participant's country 'NO'/,
    );
  });

  it('refuses the fourth data request, naming the count rule', () => {
    expect(String((run.facts.fourthDenial as { message?: string }).message)).toMatch(/count lteq 3/);
  });

  it('terminates the running transfer when the membership is revoked', () => {
    expect(printed).toMatch(/terminated the transfer: .*membership/);
    expect(printed).toMatch(/next request was refused \(4\d\d\)/);
  });

  it('verifies the provider log and finds the tampered entry by its sequence number', () => {
    expect(run.facts.firstProblemSeq).toBe(run.facts.tamperedSeq);
    // The log also holds the credential checks of the provider's DSP callers.
    const entries = readFileSync(String(run.facts.exportFile), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"credential.verification"'))
      .map((l) => JSON.parse(l) as { actor: string; content: { verified: boolean } });
    const consumerDid = run.participants.consumer!.services.did;
    expect(entries.some((e) => e.actor === consumerDid && e.content.verified)).toBe(true);
    expect(printed).toMatch(/signed tree head\(s\) verified/);
  });

  it('ends with a summary table', () => {
    expect(printed).toMatch(/step\s+result\n\s+-+\s+-+\n(\s+.+\s+ok\n){8}/);
  });
});
