/**
 * The provider's DSP catalogue: which datasets a verified participant may see, with which offers,
 * page by page in a stable order (dataset id), and the CatalogService other parts use to resolve
 * the offer a consumer asks for.
 *
 * Visibility: an offer definition is visible to a participant when its access policy permits `use`
 * in the catalog scope, judged on the participant's verified claims. A dataset is shown when at
 * least one visible offer selects it, and it carries exactly those offers (hasPolicy, no target).
 * A policy that cannot be loaded or compiled hides its offer (fail closed).
 */
import type { Logger } from 'pino';
import { ValidationError } from '../errors.js';
import type { VerifiedParticipant } from '../identity/participant.js';
import type { CompiledPolicy } from '../policy/index.js';
import { compilePolicy, evaluate } from '../policy/index.js';
import {
  buildCatalog,
  buildDataService,
  buildDataset,
  buildDatasetNode,
  type Catalog,
  type DataService,
  type Dataset,
  type DatasetNode,
} from '../protocol/messages/catalog.js';
import type { CatalogOffer } from '../protocol/messages/common.js';
import type { CatalogService, PolicyService, ResolvedOffer } from '../runtime/services.js';
import type { Queryable } from '../store/db.js';
import type { SecretSources, StoredDataset } from './assets.js';
import { resolveDataAddress, type DataAddress } from './assets.js';
import { filterDigest, type PageTokens } from './paging.js';
import { catalogOfferRules } from './policies.js';
import type { SelectableAsset } from './selector.js';
import { selectorSql, selects } from './selector.js';
import { OFFER_COLUMNS, toOffer, type OfferDefinition, type OfferRow } from './store.js';

export interface ProviderCatalogOptions {
  db: Queryable;
  /** Read when needed: the policy module may be built after this one. */
  policies: () => PolicyService | undefined;
  /** This connector's DID: the catalogue's participantId. */
  participantId: string;
  /** The DSP endpoint others reach (the DataService's endpointURL and the base of Link URLs). */
  dspUrl: string;
  pageSize: number;
  tokens: PageTokens;
  membershipCredentialType?: string;
  fileRoot?: string;
  secrets: SecretSources;
  log?: Logger;
  now?: () => Date;
  /** How long offer definitions are reused between catalogue requests (default 1000 ms; 0: never). */
  offerCacheMs?: number;
}

interface LiveOffer {
  def: OfferDefinition;
  access: CompiledPolicy;
  rules: Record<string, unknown>;
}

interface AssetPageRow extends SelectableAsset {
  dataset: StoredDataset;
}

const SELECT_ASSET =
  "SELECT id, title, keywords, themes, metadata->>'publisher' AS publisher, metadata->>'license' AS license, properties, dataset FROM catalog_assets";

export interface CatalogPage {
  catalog: Catalog;
  /** Page tokens of the neighbouring pages, when they exist. */
  next?: string;
  previous?: string;
}

/** A parsed DSP filter: every part must hold. */
interface ParsedFilter {
  ids: string[][];
  keywords: string[][];
}

const badFilter = (message: string, pointer: string) =>
  new ValidationError(`invalid filter: ${message}`, { pointer }, 'invalid_filter');

/**
 * The filters Pontis understands in a CatalogRequestMessage: a list of objects, each with one
 * member, `id` (alias `@id`, `datasetId`) or `keyword`, whose value is a string or a list of strings.
 * A dataset must match every entry (an entry with a list matches any of its values).
 */
export function parseFilter(filter: unknown[] | undefined): ParsedFilter {
  const out: ParsedFilter = { ids: [], keywords: [] };
  (filter ?? []).forEach((entry, i) => {
    const pointer = `/filter/${i}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw badFilter('each entry must be an object such as {"id": "..."} or {"keyword": "..."}', pointer);
    }
    const keys = Object.keys(entry);
    if (keys.length !== 1) {
      throw badFilter(
        `each entry must have exactly one of id, keyword (got ${keys.join(', ') || 'none'})`,
        pointer,
      );
    }
    const key = keys[0]!;
    const raw = (entry as Record<string, unknown>)[key];
    const values = Array.isArray(raw) ? raw : [raw];
    if (
      values.length === 0 ||
      values.some((v) => typeof v !== 'string' || v.length === 0 || v.length > 200)
    ) {
      throw badFilter(`${key} must be a non-empty string or a list of them`, `${pointer}/${key}`);
    }
    const strings = values as string[];
    if (key === 'id' || key === '@id' || key === 'datasetId') out.ids.push(strings);
    else if (key === 'keyword') out.keywords.push(strings.map((s) => s.toLowerCase()));
    else throw badFilter(`'${key}' is not supported; filter on id or keyword`, `${pointer}/${key}`);
  });
  return out;
}

/** What the catalogue read, kept together for `offerCacheMs`. */
interface Snapshot {
  until: number;
  offers?: Promise<LiveOffer[]>;
  /** The assets `resolveOffer` checked, by id (undefined: no such asset). */
  assets: Map<string, Promise<AssetPageRow | undefined>>;
}

export class ProviderCatalog implements CatalogService {
  private readonly compiled = new Map<string, CompiledPolicy>();
  private snapshot: Snapshot | undefined;
  private readonly now: () => Date;
  readonly dataService: DataService;

  constructor(private readonly o: ProviderCatalogOptions) {
    this.now = o.now ?? (() => new Date());
    this.dataService = buildDataService({ id: `${o.participantId}#dsp`, endpointURL: o.dspUrl });
  }

  private compileInline(key: string, json: unknown): CompiledPolicy {
    let c = this.compiled.get(key);
    if (!c) {
      c = compilePolicy(json);
      if (this.compiled.size > 10_000) this.compiled.clear();
      this.compiled.set(key, c);
    }
    return c;
  }

  private async policy(
    def: OfferDefinition,
    which: 'access' | 'contract',
  ): Promise<{ compiled: CompiledPolicy; source: unknown }> {
    const inline = which === 'access' ? def.accessPolicy : def.contractPolicy;
    if (inline !== undefined) {
      return { compiled: this.compileInline(`${def.id}:${def.version}:${which}`, inline), source: inline };
    }
    const id = which === 'access' ? def.accessPolicyId! : def.contractPolicyId!;
    const service = this.o.policies();
    if (!service)
      throw new Error(`policy definition ${id} cannot be read: no policy service in this connector`);
    const stored = await service.get(id);
    if (!stored) throw new Error(`policy definition ${id} does not exist`);
    return { compiled: stored.compiled as CompiledPolicy, source: stored.policy };
  }

  /** An offer definition ready to be judged and shown, or undefined (logged) when a policy is unusable. */
  private async live(def: OfferDefinition): Promise<LiveOffer | undefined> {
    try {
      const access = await this.policy(def, 'access');
      const contract = await this.policy(def, 'contract');
      return { def, access: access.compiled, rules: await catalogOfferRules(contract.source) };
    } catch (err) {
      this.o.log?.warn({ err, offerId: def.id }, 'offer definition hidden: its policy cannot be used');
      return undefined;
    }
  }

  private permits(offer: LiveOffer, participant: VerifiedParticipant, now: Date): boolean {
    return evaluate(offer.access, 'catalog', {
      now,
      participant,
      dataspace: { membershipCredentialType: this.o.membershipCredentialType },
    }).permitted;
  }

  /** The offer definitions whose access policy lets `participant` see them, now. */
  async visibleOffers(participant: VerifiedParticipant): Promise<LiveOffer[]> {
    const now = this.now();
    return (await this.allOffers()).filter((live) => this.permits(live, participant, now));
  }

  /**
   * The snapshot in use, a new one once `offerCacheMs` has passed; undefined when nothing is kept
   * (`offerCacheMs` 0). Changes of offers and assets made through this process's management API end it
   * at once (`invalidate`); those of other replicas, or of stored policies, show within `offerCacheMs`.
   */
  private current(): Snapshot | undefined {
    const ttl = this.o.offerCacheMs ?? 1000;
    if (ttl <= 0) return undefined;
    const at = Date.now();
    if (!this.snapshot || this.snapshot.until <= at) this.snapshot = { until: at + ttl, assets: new Map() };
    return this.snapshot;
  }

  /** Every usable offer definition (a catalogue request is then one query per snapshot). */
  private allOffers(): Promise<LiveOffer[]> {
    const s = this.current();
    if (s?.offers) return s.offers;
    const value = (async () => {
      const rows = await this.o.db.query<OfferRow>(`SELECT ${OFFER_COLUMNS} FROM catalog_offers ORDER BY id`);
      const out: LiveOffer[] = [];
      for (const row of rows.rows) {
        const live = await this.live(toOffer(row));
        if (live) out.push(live);
      }
      return out;
    })();
    if (s) {
      s.offers = value;
      value.catch(() => {
        if (s.offers === value) s.offers = undefined;
      });
    }
    return value;
  }

  /** An asset as `resolveOffer` checks it (a negotiation's request then costs no query of its own). */
  private asset(id: string): Promise<AssetPageRow | undefined> {
    const s = this.current();
    const kept = s?.assets.get(id);
    if (kept) return kept;
    const value = this.o.db.query<AssetPageRow>(`${SELECT_ASSET} WHERE id = $1`, [id]).then((r) => r.rows[0]);
    if (s) {
      s.assets.set(id, value);
      value.catch(() => {
        if (s.assets.get(id) === value) s.assets.delete(id);
      });
    }
    return value;
  }

  /** Forget the kept offer definitions and assets (after a change). */
  invalidate(): void {
    this.snapshot = undefined;
  }

  private offerFor(live: LiveOffer, assetId: string): CatalogOffer {
    return {
      '@id': `${live.def.id}:${assetId}:${live.def.version}`,
      '@type': 'Offer',
      ...live.rules,
    } as CatalogOffer;
  }

  private node(row: AssetPageRow, offers: LiveOffer[], embedService: boolean): DatasetNode | undefined {
    const mine = offers.filter((o) => selects(o.def.assetSelector, row));
    if (mine.length === 0) return undefined;
    return buildDatasetNode({
      id: row.id,
      offers: mine.map((o) => this.offerFor(o, row.id)),
      distributions: row.dataset.distributions.map((d) => ({
        format: d.format,
        accessService: embedService ? this.dataService : this.dataService['@id'],
        extra: d.extra,
      })),
      extra: row.dataset.extra,
    });
  }

  /** One page of the catalogue for `participant`. Throws ValidationError for a bad filter or token. */
  async page(
    participant: VerifiedParticipant,
    request: { filter?: unknown[]; token?: string },
  ): Promise<CatalogPage> {
    const filter = parseFilter(request.filter);
    const digest = filterDigest(request.filter ?? []);
    const position = request.token !== undefined ? this.o.tokens.decode(request.token, digest) : undefined;
    const offers = await this.visibleOffers(participant);
    const base = { id: `${this.o.participantId}#catalog`, participantId: this.o.participantId };
    if (offers.length === 0) {
      return { catalog: buildCatalog({ ...base, services: [this.dataService] }) };
    }
    const params: unknown[] = [];
    const where: string[] = [];
    // An offer that selects every asset makes the other selectors irrelevant to the scan.
    const selectsAll = offers.some(
      (o) => !o.def.assetSelector.assetIds && !o.def.assetSelector.criteria?.length,
    );
    if (!selectsAll) {
      const selectors = offers.map((o) => selectorSql(o.def.assetSelector, params));
      where.push(`(${selectors.map((s) => `(${s})`).join(' OR ')})`);
    }
    for (const ids of filter.ids) {
      params.push(ids);
      where.push(`id = ANY($${params.length}::text[])`);
    }
    for (const kws of filter.keywords) {
      params.push(kws);
      where.push(`keywords && $${params.length}::text[]`);
    }
    const backwards = position?.dir === 'before';
    if (position) {
      params.push(position.key);
      where.push(`id ${backwards ? '<' : '>'} $${params.length}`);
    }
    const size = this.o.pageSize;
    params.push(size + 1);
    const sql = `${SELECT_ASSET} ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY id ${backwards ? 'DESC' : 'ASC'} LIMIT $${params.length}`;
    const rows = (await this.o.db.query<AssetPageRow>(sql, params)).rows;
    const more = rows.length > size;
    if (more) rows.pop();
    if (backwards) rows.reverse();
    const datasets: DatasetNode[] = [];
    for (const row of rows) {
      const node = this.node(row, offers, false);
      if (node) datasets.push(node);
    }
    const first = rows[0]?.id;
    const last = rows[rows.length - 1]?.id;
    // Forwards: a next page when more rows exist; a previous one when this page started after a key.
    // Backwards: a previous page when more rows exist; a next one always (the page we came from).
    const hasNext = backwards ? last !== undefined || position !== undefined : more;
    const hasPrev = backwards ? more : position !== undefined && first !== undefined;
    const nextKey = last ?? position?.key;
    return {
      catalog: buildCatalog({ ...base, datasets, services: [this.dataService] }),
      ...(hasNext && nextKey !== undefined
        ? { next: this.o.tokens.encode({ dir: 'after', key: nextKey, filter: digest }) }
        : {}),
      ...(hasPrev && first !== undefined
        ? { previous: this.o.tokens.encode({ dir: 'before', key: first, filter: digest }) }
        : {}),
    };
  }

  /** The dataset `id` as `participant` may see it, or undefined (absent or hidden: the caller cannot tell). */
  async dataset(participant: VerifiedParticipant, id: string): Promise<Dataset | undefined> {
    const row = (await this.o.db.query<AssetPageRow>(`${SELECT_ASSET} WHERE id = $1`, [id])).rows[0];
    if (!row) return undefined;
    const offers = await this.visibleOffers(participant);
    const node = this.node(row, offers, true);
    if (!node) return undefined;
    const { '@id': _id, ...rest } = node;
    return buildDataset({
      id: row.id,
      offers: node.hasPolicy,
      distributions: row.dataset.distributions.map((d) => ({
        format: d.format,
        accessService: this.dataService,
        extra: d.extra,
      })),
      extra: Object.fromEntries(
        Object.entries(rest).filter(([k]) => k !== 'hasPolicy' && k !== 'distribution' && k !== '@type'),
      ),
    });
  }

  async resolveOffer(input: {
    offerId: string;
    datasetId: string;
    participant: VerifiedParticipant;
  }): Promise<ResolvedOffer | undefined> {
    const [defId, assetId] = input.offerId.split(':');
    if (!defId || !assetId || assetId !== input.datasetId) return undefined;
    // From the same cache as the catalogue: a request for what the catalogue just showed costs no query.
    const live = (await this.allOffers()).find((l) => l.def.id === defId);
    if (!live || !this.permits(live, input.participant, this.now())) return undefined;
    const asset = await this.asset(assetId);
    if (!asset || !selects(live.def.assetSelector, asset)) return undefined;
    const policy = this.offerFor(live, assetId);
    return {
      offerId: policy['@id'],
      offerDefinitionId: defId,
      datasetId: assetId,
      assetId,
      policy: policy as Record<string, unknown>,
      negotiationMode: live.def.negotiationMode,
      transferMode: live.def.transferMode,
    };
  }

  async dataAddress(assetId: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.o.db.query<{ data_address: DataAddress }>(
      'SELECT data_address FROM catalog_assets WHERE id = $1',
      [assetId],
    );
    const address = r.rows[0]?.data_address;
    return address && resolveDataAddress(address, { fileRoot: this.o.fileRoot, secrets: this.o.secrets });
  }
}
