/**
 * A connector's use of the data space catalogue (issue 9, item 5), on its management API:
 * `GET /v1/discovery/search` asks the configured catalogue's search API (DCP-authenticated as this
 * connector), `POST /v1/discovery/negotiations` starts a negotiation for a search result with the
 * provider's current offer.
 */
import { Router } from 'express';
import type { components } from '../generated/management.js';
import { ConflictError, NotFoundError, PeerError, PontisError, ValidationError } from '../../errors.js';
import type { Dataset, DspClient } from '../../protocol/index.js';
import type { NegotiationService } from '../../runtime/services.js';
import { principalOf } from '../auth.js';

type NegotiateBody = components['schemas']['NegotiateSearchResult'];

export interface DiscoveryDeps {
  /** Base URL of the catalogue (its protocol listener); undefined when none is configured. */
  catalogueUrl?: string;
  /** The Authorization header for the catalogue (DCP token for its DID), when identity is there. */
  catalogueAuthorization?: () => Promise<string | undefined>;
  assertAllowedUrl(url: string): Promise<void>;
  timeoutMs: number;
  dsp: DspClient;
  start?: NegotiationService['start'];
}

export function discoveryRouter(deps: DiscoveryDeps): Router {
  const r = Router();

  r.get('/v1/discovery/search', async (req, res) => {
    if (!deps.catalogueUrl)
      throw new ConflictError('no data space catalogue is configured: set catalogue.url (and catalogue.did)');
    const url = new URL(`${deps.catalogueUrl.replace(/\/+$/, '')}/v1/catalogue/search`);
    for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
      for (const one of Array.isArray(v) ? v : [v])
        if (one !== undefined) url.searchParams.append(k, String(one));
    }
    await deps.assertAllowedUrl(url.toString());
    const authorization = await deps.catalogueAuthorization?.();
    let answer: Response;
    try {
      answer = await fetch(url, {
        headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
    } catch (e) {
      throw new PeerError(`the catalogue at ${url.origin} did not answer: ${(e as Error).message}`, {
        url: url.toString(),
      });
    }
    const body = (await answer.json().catch(() => undefined)) as unknown;
    if (answer.status === 400) {
      const b = body as { message?: string } | undefined;
      throw new ValidationError(`the catalogue refused the query: ${b?.message ?? 'bad request'}`, body);
    }
    if (!answer.ok || typeof body !== 'object' || body === null)
      throw new PeerError(`the catalogue at ${url.origin} answered ${answer.status}`, {
        status: answer.status,
        body,
      });
    res.json(body);
  });

  r.post('/v1/discovery/negotiations', async (req, res) => {
    if (!deps.start) throw new ConflictError('this connector has no negotiation module');
    const body = req.body as NegotiateBody;
    let dataset: Dataset;
    try {
      dataset = await deps.dsp.getDataset({ baseUrl: body.endpoint, did: body.participant }, body.datasetId);
    } catch (e) {
      if (e instanceof PeerError && (e.details as { status?: number } | undefined)?.status === 404)
        throw new NotFoundError(
          `${body.participant} no longer offers dataset ${body.datasetId} (or not to us)`,
        );
      if (e instanceof PontisError) throw e;
      throw new PeerError(
        `could not fetch dataset ${body.datasetId} from ${body.endpoint}: ${(e as Error).message}`,
      );
    }
    const offers = dataset.hasPolicy;
    const offer = body.offerId
      ? offers.find((o) => o['@id'] === body.offerId)
      : offers.length === 1
        ? offers[0]
        : undefined;
    if (!offer) {
      throw body.offerId
        ? new NotFoundError(
            `dataset ${body.datasetId} no longer has offer ${body.offerId}`,
            'offer_not_found',
            {
              offers: offers.map((o) => o['@id']),
            },
          )
        : new ValidationError(
            `dataset ${body.datasetId} has ${offers.length} offers: name one with offerId`,
            {
              pointer: '/offerId',
              offers: offers.map((o) => o['@id']),
            },
          );
    }
    const started = await deps.start(
      {
        counterPartyAddress: body.endpoint,
        counterPartyId: body.participant,
        offer: { ...offer, target: body.datasetId },
        datasetId: body.datasetId,
        manual: body.manual,
      },
      principalOf(res).id,
    );
    res.status(201).json({
      id: started.id,
      state: started.state,
      counterPartyId: body.participant,
      counterPartyAddress: body.endpoint,
      datasetId: body.datasetId,
      offerId: offer['@id'],
    });
  });
  return r;
}
