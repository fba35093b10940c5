/**
 * The 31 contract negotiation scenarios of the DSP TCK (../shared/dsp/TCK-CASES.md, CN and CN_C),
 * played against one connector under test (CUT). This test is the TCK's peer: it sends the peer's
 * messages over DSP (with TCK quirks: a random `@id`, reasons as objects, a trailing slash on the
 * callback address, 200 where the spec says 201) and drives the CUT's own steps through its
 * management API. Every message the CUT sends is validated against the official DSP schemas.
 *
 * Notation: `C:` the consumer's step, `P:` the provider's; `!` the CUT must refuse it with a 4xx
 * other than 404; `=X` the CUT reports state X on GET.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { negotiationModule } from '../../src/runtime/modules/negotiation.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { management, startTestConnector } from '../helpers/connector.js';
import { dspSchemasSkipReason, validateAgainstDsp } from '../helpers/dsp-schemas.js';
import {
  OPEN_POLICY,
  json,
  negtestCatalog,
  negtestIdentity,
  negtestToken,
  offerFor,
} from '../helpers/negotiation.js';

const CN: [string, string, string][] = [
  ['CN:01-01', 'ACN0101', 'C:request P:offer C:terminate =TERMINATED'],
  ['CN:01-02', 'ACN0102', 'C:request P:offer C:request P:terminate =TERMINATED'],
  ['CN:01-03', 'ACN0103', 'C:request P:offer C:accept P:agree C:verify P:finalize =FINALIZED'],
  ['CN:01-04', 'ACN0104', 'C:request P:agree C:verify P:finalize =FINALIZED'],
  ['CN:02-01', 'ACN0201', 'C:request P:terminate =TERMINATED'],
  ['CN:02-02', 'ACN0202', 'C:request C:terminate =TERMINATED'],
  ['CN:02-03', 'ACN0203', 'C:request P:agree C:terminate =TERMINATED'],
  ['CN:02-04', 'ACN0204', 'C:request P:offer C:terminate =TERMINATED'],
  ['CN:02-05', 'ACN0205', 'C:request P:offer P:terminate =TERMINATED'],
  ['CN:02-06', 'ACN0206', 'C:request P:offer C:accept P:terminate =TERMINATED'],
  ['CN:02-07', 'ACN0207', 'C:request P:agree C:verify P:terminate =TERMINATED'],
  ['CN:03-01', 'ACN0301', 'C:request P:agree C:verify P:finalize =FINALIZED C:terminate! =FINALIZED'],
  ['CN:03-02', 'ACN0302', 'C:request P:offer C:verify! =OFFERED'],
  ['CN:03-03', 'ACN0303', 'C:request P:offer C:accept C:verify! =ACCEPTED'],
  ['CN:03-04', 'ACN0304', 'C:request P:offer C:request C:request! =REQUESTED'],
];

const CN_C: [string, string, string][] = [
  ['CN_C:01-01', 'ACNC0101', 'C:start P:offer C:accept P:agree C:verify P:finalize =FINALIZED'],
  ['CN_C:01-02', 'ACNC0102', 'C:start P:offer C:request P:terminate =TERMINATED'],
  ['CN_C:01-03', 'ACNC0103', 'C:start P:offer C:terminate =TERMINATED'],
  ['CN_C:01-04', 'ACNC0104', 'C:start P:agree C:verify P:finalize =FINALIZED'],
  ['CN_C:02-01', 'ACNC0201', 'C:start P:terminate =TERMINATED'],
  ['CN_C:02-02', 'ACNC0202', 'C:start C:terminate =TERMINATED'],
  ['CN_C:02-03', 'ACNC0203', 'C:start P:agree C:terminate =TERMINATED'],
  ['CN_C:02-04', 'ACNC0204', 'C:start P:offer =OFFERED P:terminate =TERMINATED'],
  ['CN_C:02-05', 'ACNC0205', 'C:start P:offer C:accept P:terminate =TERMINATED'],
  ['CN_C:02-06', 'ACNC0206', 'C:start P:agree C:verify P:terminate =TERMINATED'],
  ['CN_C:03-01', 'ACNC0301', 'C:start P:finalize! =REQUESTED'],
  ['CN_C:03-02', 'ACNC0302', 'C:start P:offer P:agree! =OFFERED'],
  ['CN_C:03-03', 'ACNC0303', 'C:start P:offer P:finalize! =OFFERED'],
  ['CN_C:03-04', 'ACNC0304', 'C:start P:offer C:accept P:finalize! =ACCEPTED'],
  ['CN_C:03-05', 'ACNC0305', 'C:start P:offer C:accept P:offer! =ACCEPTED'],
  ['CN_C:03-06', 'ACNC0306', 'C:start P:offer C:accept P:agree P:finalize! =AGREED'],
];

const CTX = ['https://w3id.org/dspace/2025/1/context.jsonld'];
const PEER_DID = 'did:web:tck.example';
const cnOffer = (dataset: string) => offerFor(dataset, OPEN_POLICY, 'manual', 'CD123');

/** What the CUT sent to the peer: path and body, per negotiation. */
interface Received {
  path: string;
  body: Record<string, unknown>;
}

let cut: RunningConnector;
let peer: Server;
let peerUrl = '';
const inbox: Received[] = [];
const invalid: string[] = [];

beforeAll(async () => {
  peer = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      if (!dspSchemasSkipReason) {
        const r = validateAgainstDsp(String(body['@type']), body);
        if (!r.valid) invalid.push(`${req.url}: ${r.errors.join('; ')}`);
      }
      inbox.push({ path: req.url ?? '', body });
      // Like the TCK: 200 for everything, with a ContractNegotiation for the initial request.
      if (req.url === '/negotiations/request') {
        const answer = {
          '@context': CTX,
          '@type': 'ContractNegotiation',
          providerPid: `urn:uuid:${randomUUID()}`,
          consumerPid: body.consumerPid,
          state: 'REQUESTED',
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      } else res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
  peerUrl = `http://127.0.0.1:${(peer.address() as { port: number }).port}`;
  cut = await startTestConnector(
    { name: 'cut', outbox: { pollMs: 50, retryBaseMs: 50, retryMaxMs: 200 } },
    {
      modules: [
        systemModule,
        negtestIdentity(),
        negtestCatalog(CN.map(([, dataset]) => cnOffer(dataset))),
        negotiationModule,
      ],
    },
  );
});

afterAll(async () => {
  await cut?.stop();
  peer?.close();
});

async function until<T>(
  what: string,
  f: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The DSP message type each step sends. */
const TYPE: Record<string, string> = {
  request: 'ContractRequestMessage',
  offer: 'ContractOfferMessage',
  accept: 'ContractNegotiationEventMessage',
  agree: 'ContractAgreementMessage',
  verify: 'ContractAgreementVerificationMessage',
  finalize: 'ContractNegotiationEventMessage',
  terminate: 'ContractNegotiationTerminationMessage',
};

async function play(cutRole: 'provider' | 'consumer', dataset: string, script: string) {
  const pids = { providerPid: '', consumerPid: '' };
  let cutId = '';
  const dsp = async (path: string, body: unknown) => {
    const res = await fetch(cut.urls.protocol + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: negtestToken(PEER_DID, cut.services.did),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await json(res) };
  };
  const base = () => ({ '@context': CTX, '@id': `urn:uuid:${randomUUID()}`, ...pids });
  const offer = () => ({
    '@type': 'Offer',
    '@id': cutRole === 'provider' ? cnOffer(dataset).offerId : `offer${dataset}`,
    target: dataset,
    permission: [{ action: 'use' }],
  });

  /** The peer's message for a step (as the TCK writes it). */
  const peerMessage = (step: string, again: boolean): [string, Record<string, unknown>] => {
    const ownPid = cutRole === 'provider' ? pids.providerPid : pids.consumerPid;
    const at = (suffix: string) => `/negotiations/${ownPid}/${suffix}`;
    switch (step) {
      case 'request':
        if (!pids.providerPid && !again) {
          pids.consumerPid = `urn:uuid:${randomUUID()}`;
          return [
            '/negotiations/request',
            {
              '@context': CTX,
              '@type': 'ContractRequestMessage',
              '@id': `urn:uuid:${randomUUID()}`,
              consumerPid: pids.consumerPid,
              offer: offer(),
              callbackAddress: peerUrl + '/',
            },
          ];
        }
        return [at('request'), { ...base(), '@type': 'ContractRequestMessage', offer: offer() }];
      case 'accept':
        return [
          at('events'),
          { ...base(), '@type': 'ContractNegotiationEventMessage', eventType: 'ACCEPTED' },
        ];
      case 'verify':
        return [at('agreement/verification'), { ...base(), '@type': 'ContractAgreementVerificationMessage' }];
      case 'terminate':
        return [
          at('termination'),
          {
            ...base(),
            '@type': 'ContractNegotiationTerminationMessage',
            code: '1',
            reason: [{ message: 'tck' }],
          },
        ];
      case 'offer':
        return [at('offers'), { ...base(), '@type': 'ContractOfferMessage', offer: offer() }];
      case 'agree':
        return [
          at('agreement'),
          {
            ...base(),
            '@type': 'ContractAgreementMessage',
            callbackAddress: peerUrl,
            agreement: {
              '@id': `urn:uuid:${randomUUID()}`,
              '@type': 'Agreement',
              target: dataset,
              assigner: PEER_DID,
              assignee: cut.services.did,
              timestamp: '2025-01-01T00:00:00Z',
              permission: [{ action: 'use' }],
            },
          },
        ];
      case 'finalize':
        return [
          at('events'),
          { ...base(), '@type': 'ContractNegotiationEventMessage', eventType: 'FINALIZED' },
        ];
    }
    throw new Error(`unknown peer step ${step}`);
  };

  let requests = 0;
  for (const token of script.split(' ')) {
    if (token.startsWith('=')) {
      const ownPid = cutRole === 'provider' ? pids.providerPid : pids.consumerPid;
      const r = await dsp(`/negotiations/${ownPid}`, undefined);
      expect(r.status, token).toBe(200);
      expect(r.body.state, token).toBe(token.slice(1));
      if (!dspSchemasSkipReason) expect(validateAgainstDsp('ContractNegotiation', r.body).errors).toEqual([]);
      continue;
    }
    const refuse = token.endsWith('!');
    const [who, step] = token.replace('!', '').split(':') as ['C' | 'P', string];
    const byCut = (who === 'P') === (cutRole === 'provider');
    if (step === 'request') requests++;
    if (!byCut) {
      const [path, body] = peerMessage(step, requests > 1);
      const r = await dsp(path, body);
      if (refuse) {
        expect(r.status, `${token}: ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(r.status).not.toBe(404);
        expect(r.body['@type']).toBe('ContractNegotiationError');
        if (!dspSchemasSkipReason)
          expect(validateAgainstDsp('ContractNegotiationError', r.body).errors).toEqual([]);
        continue;
      }
      expect(r.status, `${token}: ${JSON.stringify(r.body)}`).toBe(
        path === '/negotiations/request' ? 201 : 200,
      );
      if (path === '/negotiations/request') {
        pids.providerPid = String(r.body.providerPid);
        cutId = pids.providerPid;
      }
      continue;
    }
    // The CUT's step, by its operator.
    const seen = inbox.length;
    if (step === 'start') {
      const res = await management(cut, '/v1/negotiations', {
        method: 'POST',
        body: JSON.stringify({
          counterPartyAddress: peerUrl,
          counterPartyId: PEER_DID,
          offer: offer(),
          manual: true,
        }),
      });
      expect(res.status).toBe(201);
      cutId = (await json<{ id: string }>(res)).id;
      pids.consumerPid = cutId;
      const sent = await until('the initial request', () =>
        inbox.slice(seen).find((m) => m.path === '/negotiations/request' && m.body.consumerPid === cutId),
      );
      expect(sent.body.providerPid).toBeUndefined();
      expect(sent.body.callbackAddress).toBe(cut.urls.public);
      // The peer's answer (a 200 with the ContractNegotiation) gives the CUT the providerPid.
      pids.providerPid = await until('the providerPid', async () => {
        const n = await json<{ providerPid: string | null }>(
          await management(cut, `/v1/negotiations/${encodeURIComponent(cutId)}`),
        );
        return n.providerPid ?? undefined;
      });
      continue;
    }
    const res = await management(cut, `/v1/negotiations/${encodeURIComponent(cutId)}/${step}`, {
      method: 'POST',
    });
    expect(res.status, `${token}: ${JSON.stringify(await res.clone().json())}`).toBe(200);
    const sent = await until(`${TYPE[step]} from the CUT`, () =>
      inbox
        .slice(seen)
        .find(
          (m) =>
            m.body['@type'] === TYPE[step] &&
            (m.body.consumerPid === pids.consumerPid || m.body.providerPid === pids.providerPid),
        ),
    );
    const peerPid = cutRole === 'provider' ? pids.consumerPid : pids.providerPid;
    expect(sent.path.startsWith(`/negotiations/${peerPid}/`)).toBe(true);
  }
}

describe('DSP TCK contract negotiation scenarios (CUT = provider)', () => {
  it.each(CN)('%s (%s): %s', async (_id, dataset, script) => {
    await play('provider', dataset, script);
  });
});

describe('DSP TCK contract negotiation scenarios (CUT = consumer)', () => {
  it.each(CN_C)('%s (%s): %s', async (_id, dataset, script) => {
    await play('consumer', dataset, script);
  });

  it('sent only messages that validate against the DSP schemas', () => {
    expect(invalid).toEqual([]);
  });
});
