/**
 * The DSP TCK's transfer scenarios (../shared/dsp/TCK-CASES.md, TP and TP_C), with this test playing
 * the TCK's peer connector over HTTP against a connector under test (CUT). What the TCK expects the
 * CUT to do "on its own" is done by the CUT's defaults (automatic start) or by its operator through
 * the management API. Every message the CUT sends or answers is validated against the official
 * DSP 2025-1 schemas when ../shared/dsp is present.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { management } from '../helpers/connector.js';
import { dspSharedPresent, validateAgainstDsp } from '../helpers/dsp-schemas.js';
import {
  agreementRecord,
  eventually,
  membership,
  newStandIns,
  startTransferConnector,
} from '../helpers/transfer.js';
import type { RunningConnector, StandIns } from '../helpers/transfer.js';

const CUT = 'did:web:cut.test';
const TCK = 'did:web:tck.test';
const CTX = ['https://w3id.org/dspace/2025/1/context.jsonld'];

/** Checks a CUT message against the official schema (when the reference copy is there). */
function conforms(type: string, body: unknown) {
  if (!dspSharedPresent) return;
  const r = validateAgainstDsp(type, body);
  expect(r.errors, `${type} does not validate: ${r.errors.join('; ')}`).toEqual([]);
}

interface Received {
  path: string;
  body: Record<string, unknown>;
}

/** The TCK's embedded peer: records what the CUT sends and answers 200 (as the TCK does). */
async function startPeer() {
  const received: Received[] = [];
  const processes = new Map<string, string>(); // providerPid → consumerPid, for the consumer-CUT side
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      received.push({ path: req.url ?? '', body });
      res.statusCode = 200;
      if (req.url === '/transfers/request') {
        const providerPid = `urn:uuid:${randomUUID()}`;
        processes.set(providerPid, String(body.consumerPid));
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            '@context': CTX,
            '@type': 'TransferProcess',
            providerPid,
            consumerPid: body.consumerPid,
            state: 'REQUESTED',
          }),
        );
        return;
      }
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    async next(match: (r: Received) => boolean): Promise<Received> {
      return eventually(async () => received.find(match));
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

type Peer = Awaited<ReturnType<typeof startPeer>>;

let cut: RunningConnector;
let stand: StandIns;
let peer: Peer;

beforeAll(async () => {
  stand = newStandIns(CUT);
  stand.participants.set(TCK, membership(TCK));
  stand.dataAddresses.set('tck-asset', { type: 'HttpData', baseUrl: 'http://127.0.0.1:9/never' });
  cut = await startTransferConnector(stand);
  peer = await startPeer();
});

afterAll(async () => {
  await cut?.stop();
  await peer?.close();
});

function seedAgreement(id: string, role: 'provider' | 'consumer', manual = false) {
  const provider = role === 'provider' ? CUT : TCK;
  const consumer = role === 'provider' ? TCK : CUT;
  stand.agreements.set(id, {
    ...agreementRecord({ id, provider, consumer, assetId: 'tck-asset' }),
    role,
    transferMode: manual ? 'manual' : 'auto',
  });
}

/** A DSP call from the TCK to the CUT. */
async function dsp(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(cut.urls.protocol + path, {
    method,
    headers: { authorization: `Bearer ${TCK}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

async function verifyState(pid: string, state: string) {
  const r = await dsp('GET', `/transfers/${pid}`);
  expect(r.status).toBe(200);
  conforms('TransferProcess', r.body);
  expect(r.body?.state).toBe(state);
}

const MESSAGE = {
  start: ['TransferStartMessage', 'start'],
  suspend: ['TransferSuspensionMessage', 'suspension'],
  complete: ['TransferCompletionMessage', 'completion'],
  terminate: ['TransferTerminationMessage', 'termination'],
} as const;
type Step = keyof typeof MESSAGE;

/** A message from the TCK, with the TCK's extras (random @id, reason objects). */
function tckMessage(step: Step, pids: { providerPid: string; consumerPid: string }) {
  const [type] = MESSAGE[step];
  return {
    '@context': CTX,
    '@type': type,
    '@id': `urn:uuid:${randomUUID()}`,
    ...pids,
    ...(step === 'terminate' || step === 'suspend'
      ? { code: '1', reason: [{ message: 'TCK says so' }] }
      : {}),
    ...(step === 'start'
      ? {
          dataAddress: {
            '@type': 'DataAddress',
            endpointType: 'https://w3id.org/idsa/v4.1/HTTP',
            endpoint: 'http://example.com',
          },
        }
      : {}),
  };
}

// ---------------- TP: the CUT is the provider ----------------

type ProviderAction = { cut: Step } | { tck: Step; refused?: boolean } | { state: string };

const TP: [string, string, boolean, ProviderAction[]][] = [
  ['TP:01-01', 'ATP0101', false, [{ cut: 'start' }, { cut: 'terminate' }, { state: 'TERMINATED' }]],
  ['TP:01-02', 'ATP0102', false, [{ cut: 'start' }, { cut: 'complete' }, { state: 'COMPLETED' }]],
  [
    'TP:01-03',
    'ATP0103',
    false,
    [{ cut: 'start' }, { cut: 'suspend' }, { cut: 'terminate' }, { state: 'TERMINATED' }],
  ],
  [
    'TP:01-04',
    'ATP0104',
    false,
    [{ cut: 'start' }, { cut: 'suspend' }, { cut: 'start' }, { cut: 'complete' }, { state: 'COMPLETED' }],
  ],
  ['TP:01-05', 'ATP0105', true, [{ cut: 'terminate' }, { state: 'TERMINATED' }]],
  ['TP:02-01', 'ATP0201', false, [{ cut: 'start' }, { tck: 'terminate' }, { state: 'TERMINATED' }]],
  ['TP:02-02', 'ATP0202', false, [{ cut: 'start' }, { tck: 'complete' }, { state: 'COMPLETED' }]],
  [
    'TP:02-03',
    'ATP0203',
    false,
    [
      { cut: 'start' },
      { tck: 'suspend' },
      { state: 'SUSPENDED' },
      { tck: 'terminate' },
      { state: 'TERMINATED' },
    ],
  ],
  [
    'TP:02-04',
    'ATP0204',
    false,
    [{ cut: 'start' }, { tck: 'suspend' }, { tck: 'start' }, { tck: 'complete' }, { state: 'COMPLETED' }],
  ],
  ['TP:02-05', 'ATP0205', true, [{ tck: 'terminate' }, { state: 'TERMINATED' }]],
  ['TP:03-01', 'ATP0301', true, [{ tck: 'complete', refused: true }, { state: 'REQUESTED' }]],
  ['TP:03-02', 'ATP0302', true, [{ tck: 'suspend', refused: true }, { state: 'REQUESTED' }]],
  [
    'TP:03-03',
    'ATP0303',
    false,
    [{ cut: 'start' }, { tck: 'suspend' }, { tck: 'complete', refused: true }, { state: 'SUSPENDED' }],
  ],
  [
    'TP:03-04',
    'ATP0304',
    false,
    [{ cut: 'start' }, { tck: 'terminate' }, { tck: 'start', refused: true }, { state: 'TERMINATED' }],
  ],
  [
    'TP:03-05',
    'ATP0305',
    false,
    [{ cut: 'start' }, { tck: 'terminate' }, { tck: 'suspend', refused: true }, { state: 'TERMINATED' }],
  ],
  [
    'TP:03-06',
    'ATP0306',
    false,
    [{ cut: 'start' }, { tck: 'terminate' }, { tck: 'complete', refused: true }, { state: 'TERMINATED' }],
  ],
];

describe('TP: the connector as provider', () => {
  for (const [name, agreementId, manual, steps] of TP) {
    it(name, async () => {
      seedAgreement(agreementId, 'provider', manual);
      const consumerPid = `urn:uuid:${randomUUID()}`;
      // trailing slash on one callback address in two: both must work
      const callbackAddress = peer.url + (name.endsWith('1') ? '/' : '');
      const request = {
        '@context': CTX,
        '@type': 'TransferRequestMessage',
        '@id': `urn:uuid:${randomUUID()}`,
        consumerPid,
        agreementId,
        format: 'HttpData-PULL',
        callbackAddress,
      };
      const first = await dsp('POST', '/transfers/request', request);
      expect(first.status).toBe(201);
      conforms('TransferProcess', first.body);
      const providerPid = String(first.body?.providerPid);
      // a repeated request with the same consumerPid is answered with the same process
      const repeat = await dsp('POST', '/transfers/request', request);
      expect(repeat.body?.providerPid).toBe(providerPid);
      const pids = { providerPid, consumerPid };
      let seen = 0;
      for (const step of steps) {
        if ('state' in step) {
          await eventually(
            async () => (await dsp('GET', `/transfers/${providerPid}`)).body?.state === step.state,
          );
          await verifyState(providerPid, step.state);
        } else if ('cut' in step) {
          // The automatic start needs no operator; anything else is the operator's step.
          if (!(step.cut === 'start' && seen === 0 && !manual)) {
            const current = (await dsp('GET', `/transfers/${providerPid}`)).body?.state;
            const action = step.cut === 'start' && current === 'SUSPENDED' ? 'resume' : step.cut;
            if (step.cut === 'start')
              await eventually(
                async () => (await dsp('GET', `/transfers/${providerPid}`)).body?.state !== 'STARTED',
              );
            const r = await management(cut, `/v1/transfers/${providerPid}/${action}`, {
              method: 'POST',
              body: JSON.stringify({ reason: 'operator' }),
            });
            expect(r.status).toBe(200);
          }
          const [type, segment] = MESSAGE[step.cut];
          const got = await peer.next(
            (m) => m.path === `/transfers/${consumerPid}/${segment}` && !('_seen' in m.body),
          );
          (got.body as Record<string, unknown>)._seen = true;
          const { _seen, ...message } = got.body;
          conforms(type, message);
          expect(message.providerPid).toBe(providerPid);
          expect(message.consumerPid).toBe(consumerPid);
          if (step.cut === 'start') {
            const props = (
              message.dataAddress as { endpointProperties: { name: string }[] }
            ).endpointProperties.map((p) => p.name);
            expect(props).toEqual(
              expect.arrayContaining(['authorization', 'authType', 'refreshToken', 'refreshEndpoint']),
            );
          }
          seen++;
        } else {
          // make sure the CUT has reached the state the TCK expects before it acts
          if (step.tck !== 'terminate' || !manual) await new Promise((r) => setTimeout(r, 30));
          const r = await dsp(
            'POST',
            `/transfers/${providerPid}/${MESSAGE[step.tck][1]}`,
            tckMessage(step.tck, pids),
          );
          if (step.refused) {
            expect(r.status).toBe(400);
            conforms('TransferError', r.body);
          } else {
            expect(r.status).toBe(200);
          }
        }
      }
    });
  }

  it('answers 404 to an unknown process and to a caller that is not the counter-party', async () => {
    seedAgreement('ATP-404', 'provider');
    const consumerPid = `urn:uuid:${randomUUID()}`;
    const r = await dsp('POST', '/transfers/request', {
      '@context': CTX,
      '@type': 'TransferRequestMessage',
      consumerPid,
      agreementId: 'ATP-404',
      format: 'HttpData-PULL',
      callbackAddress: peer.url,
    });
    const providerPid = String(r.body?.providerPid);
    const unknown = await dsp('GET', '/transfers/urn:uuid:nothing-here');
    expect(unknown.status).toBe(404);
    conforms('TransferError', unknown.body);
    stand.participants.set('did:web:stranger.test', membership('did:web:stranger.test'));
    const stranger = await fetch(`${cut.urls.protocol}/transfers/${providerPid}`, {
      headers: { authorization: 'Bearer did:web:stranger.test' },
    });
    expect(stranger.status).toBe(404);
    const strangerPost = await fetch(`${cut.urls.protocol}/transfers/${providerPid}/termination`, {
      method: 'POST',
      headers: { authorization: 'Bearer did:web:stranger.test', 'content-type': 'application/json' },
      body: JSON.stringify(tckMessage('terminate', { providerPid, consumerPid })),
    });
    expect(strangerPost.status).toBe(404);
  });

  it('refuses a request under an unknown agreement with 400 and a TransferError', async () => {
    const r = await dsp('POST', '/transfers/request', {
      '@context': CTX,
      '@type': 'TransferRequestMessage',
      consumerPid: 'urn:uuid:x',
      agreementId: 'no-such-agreement',
      format: 'HttpData-PULL',
      callbackAddress: peer.url,
    });
    expect(r.status).toBe(400);
    conforms('TransferError', r.body);
  });
});

// ---------------- TP_C: the CUT is the consumer ----------------

type ConsumerAction = { tck: Step; refused?: boolean } | { cut: Step } | { state: string };

const TP_C: [string, string, ConsumerAction[]][] = [
  [
    'TP_C:01-01',
    'ATPC0101',
    [{ tck: 'start' }, { state: 'STARTED' }, { tck: 'terminate' }, { state: 'TERMINATED' }],
  ],
  ['TP_C:01-02', 'ATPC0102', [{ tck: 'start' }, { tck: 'complete' }, { state: 'COMPLETED' }]],
  [
    'TP_C:01-03',
    'ATPC0103',
    [{ tck: 'start' }, { tck: 'suspend' }, { tck: 'terminate' }, { state: 'TERMINATED' }],
  ],
  [
    'TP_C:01-04',
    'ATPC0104',
    [{ tck: 'start' }, { tck: 'suspend' }, { tck: 'start' }, { tck: 'complete' }, { state: 'COMPLETED' }],
  ],
  ['TP_C:01-05', 'ATPC0105', [{ tck: 'terminate' }, { state: 'TERMINATED' }]],
  ['TP_C:02-01', 'ATPC0201', [{ tck: 'start' }, { cut: 'terminate' }, { state: 'TERMINATED' }]],
  ['TP_C:02-02', 'ATPC0202', [{ tck: 'start' }, { cut: 'complete' }, { state: 'COMPLETED' }]],
  [
    'TP_C:02-03',
    'ATPC0203',
    [{ tck: 'start' }, { cut: 'suspend' }, { cut: 'terminate' }, { state: 'TERMINATED' }],
  ],
  [
    'TP_C:02-04',
    'ATPC0204',
    [{ tck: 'start' }, { cut: 'suspend' }, { cut: 'start' }, { cut: 'complete' }, { state: 'COMPLETED' }],
  ],
  ['TP_C:02-05', 'ATPC0205', [{ cut: 'terminate' }, { state: 'TERMINATED' }]],
  ['TP_C:03-01', 'ATPC0301', [{ tck: 'complete', refused: true }, { state: 'REQUESTED' }]],
  ['TP_C:03-02', 'ATPC0302', [{ tck: 'suspend', refused: true }, { state: 'REQUESTED' }]],
  [
    'TP_C:03-03',
    'ATPC0303',
    [{ tck: 'start' }, { tck: 'suspend' }, { tck: 'complete', refused: true }, { state: 'SUSPENDED' }],
  ],
  [
    'TP_C:03-04',
    'ATPC0304',
    [{ tck: 'start' }, { tck: 'terminate' }, { tck: 'start', refused: true }, { state: 'TERMINATED' }],
  ],
  [
    'TP_C:03-05',
    'ATPC0305',
    [{ tck: 'start' }, { tck: 'terminate' }, { tck: 'suspend', refused: true }, { state: 'TERMINATED' }],
  ],
  [
    'TP_C:03-06',
    'ATPC0306',
    [{ tck: 'start' }, { tck: 'terminate' }, { tck: 'complete', refused: true }, { state: 'TERMINATED' }],
  ],
];

describe('TP_C: the connector as consumer', () => {
  for (const [name, agreementId, steps] of TP_C) {
    it(name, async () => {
      seedAgreement(agreementId, 'consumer');
      // the TCK's initiate call (plain JSON)
      const init = await management(cut, '/v1/transfers', {
        method: 'POST',
        body: JSON.stringify({
          agreementId,
          format: 'HttpData-PULL',
          providerId: TCK,
          connectorAddress: peer.url + '/',
        }),
      });
      expect(init.status).toBe(201);
      const consumerPid = String(((await init.json()) as { id: string }).id);
      const request = await peer.next(
        (m) => m.path === '/transfers/request' && m.body.consumerPid === consumerPid,
      );
      conforms('TransferRequestMessage', request.body);
      expect(request.body.providerPid).toBeUndefined();
      expect(request.body.callbackAddress).toBe(cut.urls.public);
      const providerPid = await eventually(async () => {
        const t = (await (await management(cut, `/v1/transfers/${consumerPid}`)).json()) as {
          providerPid: string | null;
        };
        return t.providerPid ?? undefined;
      });
      const pids = { providerPid, consumerPid };
      const sent = new Set<Received>();
      for (const step of steps) {
        if ('state' in step) {
          await verifyState(consumerPid, step.state);
        } else if ('tck' in step) {
          const r = await dsp(
            'POST',
            `/transfers/${consumerPid}/${MESSAGE[step.tck][1]}`,
            tckMessage(step.tck, pids),
          );
          if (step.refused) {
            expect(r.status).toBe(400);
            conforms('TransferError', r.body);
          } else expect(r.status).toBe(200);
        } else {
          const t = (await (await management(cut, `/v1/transfers/${consumerPid}`)).json()) as {
            state: string;
          };
          const action = step.cut === 'start' ? 'resume' : step.cut;
          expect(t.state).not.toBe('');
          const r = await management(cut, `/v1/transfers/${consumerPid}/${action}`, { method: 'POST' });
          expect(r.status).toBe(200);
          const [type, segment] = MESSAGE[step.cut];
          const got = await peer.next(
            (m) => m.path === `/transfers/${providerPid}/${segment}` && !sent.has(m),
          );
          sent.add(got);
          conforms(type, got.body);
          expect(got.body.consumerPid).toBe(consumerPid);
        }
      }
    });
  }
});
