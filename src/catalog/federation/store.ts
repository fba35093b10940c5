/**
 * The catalogue role's tables: the participant registry with each participant's crawl status, and the
 * federated index (search with PostgreSQL full-text search, facet counts, sorting and paging).
 * A participant's datasets are replaced in one transaction, so a search sees the old copy or the new
 * one, never a half-written participant.
 */
import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Database, Queryable } from '../../store/db.js';
import { searchText, type IndexedDataset } from './extract.js';
import type { OfferSummary } from './offers.js';

export type ParticipantState = 'pending' | 'ok' | 'stale' | 'failing' | 'untrusted';

export interface Participant {
  id: string;
  did: string | null;
  address: string | null;
  dataSpace: string | null;
  origin: 'config' | 'api';
  intervalSeconds: number | null;
  createdAt: Date;
  state: ParticipantState;
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  failures: number;
  nextCrawlAt: Date;
  datasetCount: number;
}

export interface ParticipantInput {
  id?: string;
  did?: string;
  address?: string;
  dataSpace?: string;
  intervalSeconds?: number;
}

interface ParticipantRow {
  id: string;
  did: string | null;
  address: string | null;
  data_space: string | null;
  origin: 'config' | 'api';
  interval_seconds: number | null;
  created_at: Date;
  state: ParticipantState;
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  failures: number;
  next_crawl_at: Date;
  dataset_count: number;
}

const toParticipant = (r: ParticipantRow): Participant => ({
  id: r.id,
  did: r.did,
  address: r.address,
  dataSpace: r.data_space,
  origin: r.origin,
  intervalSeconds: r.interval_seconds,
  createdAt: r.created_at,
  state: r.state,
  lastAttemptAt: r.last_attempt_at,
  lastSuccessAt: r.last_success_at,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
  failures: r.failures,
  nextCrawlAt: r.next_crawl_at,
  datasetCount: r.dataset_count,
});

const ID_PATTERN = /^[A-Za-z0-9._~-]{1,100}$/;

/** A stable id from the DID (or the address): the same participant always gets the same id. */
export function participantIdFor(input: { did?: string | null; address?: string | null }): string {
  const key = input.did ?? normalizeAddress(input.address ?? '');
  return 'p-' + createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function normalizeAddress(address: string): string {
  return address.trim().replace(/\/+$/, '');
}

function checkInput(p: ParticipantInput): void {
  if (!p.did && !p.address) throw new ValidationError('a participant needs a did or an address (or both)');
  if (p.did !== undefined && !/^did:[a-z0-9]+:\S+$/.test(p.did))
    throw new ValidationError(`not a DID: ${p.did}`, { pointer: '/did' });
  if (p.address !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(p.address);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
      throw new ValidationError(`not an http(s) URL: ${p.address}`, { pointer: '/address' });
  }
  if (p.id !== undefined && !ID_PATTERN.test(p.id))
    throw new ValidationError(`participant id must match ${ID_PATTERN.source}`, { pointer: '/id' });
}

export interface SearchQuery {
  q?: string;
  participant?: string[];
  dataSpace?: string[];
  publisher?: string[];
  keyword?: string[];
  theme?: string[];
  format?: string[];
  license?: string[];
  /** `relevance` (default with q), `title`, `participant`, `crawled`; `-` prefix for descending. */
  sort?: string;
  limit?: number;
  offset?: number;
  /** Facet counts (default true); `facetLimit` values per facet (default 20). */
  facets?: boolean;
  facetLimit?: number;
}

export const FACETS = [
  'participant',
  'dataSpace',
  'publisher',
  'keyword',
  'theme',
  'format',
  'license',
] as const;
export type FacetName = (typeof FACETS)[number];

/** An indexed dataset as a search returns it (the stored DCAT node itself is left out). */
export interface SearchHit extends Omit<IndexedDataset, 'dataset'> {
  source: string;
  /** True when the participant's last crawl failed: this is its last good copy. */
  stale: boolean;
  lastSuccessAt: Date | null;
  crawledAt: Date;
  score?: number;
}

export interface SearchResult {
  items: SearchHit[];
  total: number;
  limit: number;
  offset: number;
  facets?: Record<FacetName, { value: string; count: number }[]>;
}

const SORTS: Record<string, string> = {
  title: 'd.title, d.participant, d.dataset_id',
  '-title': 'd.title DESC, d.participant DESC, d.dataset_id DESC',
  participant: 'd.participant, d.title, d.dataset_id',
  '-participant': 'd.participant DESC, d.title DESC, d.dataset_id DESC',
  crawled: 'd.crawled_at, d.participant, d.dataset_id',
  '-crawled': 'd.crawled_at DESC, d.participant, d.dataset_id',
};

// Which column each facet filters and counts; `array` columns use && (overlap, GIN) and unnest.
const FACET_COLUMNS: Record<FacetName, { column: string; array: boolean; lower: boolean }> = {
  participant: { column: 'participant', array: false, lower: false },
  dataSpace: { column: 'data_space', array: false, lower: false },
  publisher: { column: 'publisher', array: false, lower: false },
  keyword: { column: 'keywords', array: true, lower: true },
  theme: { column: 'themes', array: true, lower: true },
  format: { column: 'formats', array: true, lower: false },
  license: { column: 'licenses', array: true, lower: false },
};

interface PageRow {
  source: string;
  participant: string;
  data_space: string;
  dataset_id: string;
  endpoint: string;
  title: string;
  description: string;
  publisher: string | null;
  keywords: string[];
  themes: string[];
  formats: string[];
  licenses: string[];
  offers: OfferSummary[];
  crawled_at: Date;
  state: ParticipantState;
  last_success_at: Date | null;
}

/** The text search configuration: English stemming, as PGlite and PostgreSQL both ship it. */
const TS_CONFIG = 'english';

export function createFederationStore(db: Database, options: { facetCache?: boolean } = {}) {
  // Facet counts by query, valid while the index's version (see search) is unchanged.
  const facetCache = new Map<string, { version: string; value: SearchResult['facets']; total: number }>();

  async function getParticipant(id: string, q: Queryable = db): Promise<Participant | undefined> {
    const r = await q.query<ParticipantRow>('SELECT * FROM federation_participants WHERE id = $1', [id]);
    return r.rows[0] ? toParticipant(r.rows[0]) : undefined;
  }

  return {
    getParticipant,

    async listParticipants(
      options: { limit?: number; offset?: number } = {},
    ): Promise<{ items: Participant[]; total: number }> {
      const r = await db.query<ParticipantRow & { total: number }>(
        `SELECT *, count(*) OVER () AS total FROM federation_participants ORDER BY created_at, id LIMIT $1 OFFSET $2`,
        [options.limit ?? 1000, options.offset ?? 0],
      );
      const total =
        r.rows[0]?.total ??
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM federation_participants')).rows[0]!.n;
      return { items: r.rows.map(toParticipant), total };
    },

    /** Adds a participant; ConflictError when its DID or address is already registered. */
    async addParticipant(input: ParticipantInput, origin: 'config' | 'api' = 'api'): Promise<Participant> {
      checkInput(input);
      const address = input.address ? normalizeAddress(input.address) : null;
      const id = input.id ?? participantIdFor({ did: input.did, address });
      const existing = await db.query<{ id: string }>(
        `SELECT id FROM federation_participants WHERE id = $1 OR did = $2 OR (did IS NULL AND $2::text IS NULL AND address = $3)`,
        [id, input.did ?? null, address],
      );
      if (existing.rows.length > 0)
        throw new ConflictError(`participant ${input.did ?? address} is already registered`, {
          id: existing.rows[0]!.id,
        });
      const r = await db.query<ParticipantRow>(
        `INSERT INTO federation_participants (id, did, address, data_space, origin, interval_seconds)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [id, input.did ?? null, address, input.dataSpace ?? null, origin, input.intervalSeconds ?? null],
      );
      return toParticipant(r.rows[0]!);
    },

    /** Removes a participant and, in the same transaction, every dataset found at it. */
    async removeParticipant(id: string): Promise<void> {
      const r = await db.query('DELETE FROM federation_participants WHERE id = $1', [id]);
      if (r.rowCount === 0) throw new NotFoundError(`no participant ${id}`);
    },

    /**
     * Makes the configured participants (origin 'config') exactly `list`: adds new ones, updates
     * changed ones, removes those no longer configured. Operators' entries are left alone.
     */
    async syncConfigured(list: ParticipantInput[]): Promise<void> {
      list.forEach(checkInput);
      await db.transaction(async (tx) => {
        const ids: string[] = [];
        for (const p of list) {
          const address = p.address ? normalizeAddress(p.address) : null;
          const id = p.id ?? participantIdFor({ did: p.did, address });
          ids.push(id);
          await tx.query(
            `INSERT INTO federation_participants (id, did, address, data_space, origin, interval_seconds)
             VALUES ($1, $2, $3, $4, 'config', $5)
             ON CONFLICT (id) DO UPDATE SET did = EXCLUDED.did, address = EXCLUDED.address,
               data_space = EXCLUDED.data_space, origin = 'config', interval_seconds = EXCLUDED.interval_seconds`,
            [id, p.did ?? null, address, p.dataSpace ?? null, p.intervalSeconds ?? null],
          );
        }
        await tx.query(`DELETE FROM federation_participants WHERE origin = 'config' AND NOT (id = ANY($1))`, [
          ids,
        ]);
      });
    },

    /** Participants whose next crawl is due, earliest first. */
    async due(limit: number, exclude: string[] = []): Promise<Participant[]> {
      const r = await db.query<ParticipantRow>(
        `SELECT * FROM federation_participants WHERE next_crawl_at <= now() AND NOT (id = ANY($2))
         ORDER BY next_crawl_at, id LIMIT $1`,
        [limit, exclude],
      );
      return r.rows.map(toParticipant);
    },

    /** Earliest next crawl among all participants (to sleep until then). */
    async nextDue(): Promise<Date | undefined> {
      const r = await db.query<{ at: Date | null }>(
        'SELECT min(next_crawl_at) AS at FROM federation_participants',
      );
      return r.rows[0]?.at ?? undefined;
    },

    async markAttempt(id: string): Promise<void> {
      await db.query('UPDATE federation_participants SET last_attempt_at = now() WHERE id = $1', [id]);
    },

    /**
     * A successful crawl: the participant's datasets become exactly `datasets`, in one transaction.
     * Returns false when the participant was removed meanwhile (nothing is written then).
     */
    async replaceDatasets(
      id: string,
      datasets: IndexedDataset[],
      next: { intervalMs: number },
    ): Promise<boolean> {
      const unique = new Map<string, IndexedDataset>();
      for (const d of datasets) {
        const key = `${d.participant}\n${d.datasetId}`;
        if (!unique.has(key)) unique.set(key, d);
      }
      const rows = [...unique.values()].map((d) => {
        const t = searchText(d);
        return {
          participant: d.participant,
          data_space: d.dataSpace,
          dataset_id: d.datasetId,
          endpoint: d.endpoint,
          title: d.title,
          description: d.description,
          publisher: d.publisher,
          keywords: d.keywords,
          themes: d.themes,
          formats: d.formats,
          licenses: d.licenses,
          offers: d.offers,
          dataset: d.dataset,
          ta: t.a,
          tb: t.b,
          tc: t.c,
          facets: facetValues(d),
        };
      });
      const ok = await db.transaction(async (tx) => {
        const p = await tx.query('SELECT id FROM federation_participants WHERE id = $1 FOR UPDATE', [id]);
        if (p.rows.length === 0) return false;
        await tx.query('DELETE FROM federation_datasets WHERE source = $1', [id]);
        await tx.query('DELETE FROM federation_documents WHERE source = $1', [id]);
        const CHUNK = 500;
        for (let i = 0; i < rows.length; i += CHUNK) {
          const slice = rows.slice(i, i + CHUNK);
          // Each statement gets only its columns: parsing the wide document JSON twice was a third of a crawl.
          const indexPart = JSON.stringify(
            slice.map(({ description: _d, offers: _o, dataset: _s, ...r }) => r),
          );
          const docPart = JSON.stringify(
            slice.map((r) => ({
              participant: r.participant,
              dataset_id: r.dataset_id,
              data_space: r.data_space,
              description: r.description,
              offers: r.offers,
              dataset: r.dataset,
            })),
          );
          await tx.query(
            `INSERT INTO federation_datasets (source, participant, data_space, dataset_id, endpoint, title,
               publisher, keywords, themes, formats, licenses, facets, search)
             SELECT $1, r.participant, r.data_space, r.dataset_id, r.endpoint, r.title, r.publisher,
               r.keywords, r.themes, r.formats, r.licenses, r.facets,
               setweight(to_tsvector('${TS_CONFIG}', r.ta), 'A') || setweight(to_tsvector('${TS_CONFIG}', r.tb), 'B')
                 || setweight(to_tsvector('${TS_CONFIG}', r.tc), 'C')
             FROM json_to_recordset($2::json) AS r(participant text, data_space text, dataset_id text, endpoint text,
               title text, publisher text, keywords text[], themes text[], formats text[], licenses text[],
               facets text[], ta text, tb text, tc text)`,
            [id, indexPart],
          );
          await tx.query(
            `INSERT INTO federation_documents (source, participant, dataset_id, data_space, description, offers, dataset)
             SELECT $1, r.participant, r.dataset_id, r.data_space, r.description, r.offers, r.dataset
             FROM json_to_recordset($2::json) AS r(participant text, dataset_id text, data_space text,
               description text, offers jsonb, dataset jsonb)`,
            [id, docPart],
          );
        }
        // The unfiltered facet counts (072), kept per source.
        await tx.query('DELETE FROM federation_facet_counts WHERE source = $1', [id]);
        await tx.query(
          `INSERT INTO federation_facet_counts (source, value, n)
           SELECT $1, v, count(*)::int FROM federation_datasets d, unnest(d.facets) AS v WHERE d.source = $1 GROUP BY v`,
          [id],
        );
        await tx.query(
          `UPDATE federation_participants SET state = 'ok', last_success_at = now(), failures = 0,
             dataset_count = $2, next_crawl_at = now() + $3 * interval '1 millisecond'
           WHERE id = $1`,
          [id, rows.length, next.intervalMs],
        );
        return true;
      });
      return ok;
    },

    /**
     * A failed crawl. The last good copy stays (state `stale`), unless `untrusted`: a participant whose
     * credentials the catalogue no longer trusts is not listed at all.
     */
    async recordFailure(
      id: string,
      error: string,
      options: { retryInMs: number; untrusted?: boolean },
    ): Promise<void> {
      await db.transaction(async (tx) => {
        if (options.untrusted) {
          await tx.query('DELETE FROM federation_datasets WHERE source = $1', [id]);
          await tx.query('DELETE FROM federation_documents WHERE source = $1', [id]);
          await tx.query('DELETE FROM federation_facet_counts WHERE source = $1', [id]);
        }
        await tx.query(
          `UPDATE federation_participants SET
             state = CASE WHEN $4 THEN 'untrusted' WHEN last_success_at IS NULL THEN 'failing' ELSE 'stale' END,
             dataset_count = CASE WHEN $4 THEN 0 ELSE dataset_count END,
             last_error = $2, last_error_at = now(), failures = failures + 1,
             next_crawl_at = now() + $3 * interval '1 millisecond'
           WHERE id = $1`,
          [id, error.slice(0, 2000), options.retryInMs, options.untrusted ?? false],
        );
      });
    },

    /** Makes every participant due now (`pontis catalogue crawl --once`, tests). */
    async makeAllDue(): Promise<number> {
      const r = await db.query('UPDATE federation_participants SET next_crawl_at = now()');
      return r.rowCount;
    },

    async search(query: SearchQuery): Promise<SearchResult> {
      const params: unknown[] = [];
      const p = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      const where: string[] = [];
      const q = query.q?.trim();
      let tsq: string | undefined;
      if (q) {
        tsq = p(q);
        where.push(`d.search @@ websearch_to_tsquery('${TS_CONFIG}', ${tsq})`);
      }
      for (const f of FACETS) {
        const vs = (query as Record<FacetName, string[] | undefined>)[f];
        if (!vs || vs.length === 0) continue;
        const values = vs.map((v) => facetKey(f, v));
        // One value: containment; several values of one facet: any of them (overlap). Both use the GIN index.
        where.push(
          values.length === 1 ? `d.facets @> ${p(values)}::text[]` : `d.facets && ${p(values)}::text[]`,
        );
      }
      const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const filterParams = params.length;
      const limit = Math.min(Math.max(query.limit ?? 20, 1), 200);
      const offset = Math.max(query.offset ?? 0, 0);
      let order: string;
      const sort = query.sort ?? (tsq ? 'relevance' : 'title');
      if (sort === 'relevance' || sort === '-relevance') {
        order = tsq
          ? `ts_rank(d.search, websearch_to_tsquery('${TS_CONFIG}', ${tsq})) DESC, d.title, d.participant, d.dataset_id`
          : SORTS.title!;
      } else {
        const s = SORTS[sort];
        if (!s)
          throw new ValidationError(
            `sort must be one of relevance, ${Object.keys(SORTS).join(', ')}; got ${sort}`,
            { parameter: 'sort' },
          );
        order = s;
      }
      // Keys first (narrow rows, rank computed once per match), then the full rows of the page only.
      const keyColumns = `d.source, d.participant, d.dataset_id, d.title, d.crawled_at${tsq ? `, ts_rank(d.search, websearch_to_tsquery('${TS_CONFIG}', ${tsq})) AS rank` : ''}`;
      const keyOrder = order.replace(/\bd\./g, 'k.').replace(/ts_rank\([^)]*\)\)/, 'k.rank');
      const limitSql = `LIMIT ${p(limit)} OFFSET ${p(offset)}`;
      const pageColumns = `d.source, d.participant, d.data_space, d.dataset_id, d.endpoint, d.title, doc.description,
          d.publisher, d.keywords, d.themes, d.formats, d.licenses, doc.offers, d.crawled_at,
          p.state, p.last_success_at`;
      const pageJoins = `JOIN federation_datasets d ON d.source = k.source AND d.participant = k.participant AND d.dataset_id = k.dataset_id
        JOIN federation_documents doc
          ON doc.source = k.source AND doc.participant = k.participant AND doc.dataset_id = k.dataset_id
        JOIN federation_participants p ON p.id = d.source`;
      const filterOnly = params.slice(0, filterParams);
      // The index's version, read from the database so that replicas sharing it agree (facet cache key).
      const v = (
        await db.query<{ n: number; total: number; ok: Date | null; err: Date | null }>(
          `SELECT count(*)::int AS n, coalesce(sum(dataset_count), 0)::int AS total,
             max(last_success_at) AS ok, max(last_error_at) AS err FROM federation_participants`,
        )
      ).rows[0]!;
      const version = `${v.n}/${v.total}/${v.ok ? new Date(v.ok).getTime() : 0}/${v.err ? new Date(v.err).getTime() : 0}`;
      // Facet counts (cached per query and index version) also give the total: every dataset has
      // exactly one participant. Without facets, or unfiltered, the total costs one cheap query.
      let facets: SearchResult['facets'];
      let total: number | undefined;
      let pageRows: PageRow[] | undefined;
      if (query.facets !== false) {
        const facetLimit = Math.min(Math.max(query.facetLimit ?? 20, 1), 100);
        const key = JSON.stringify([whereSql, filterOnly, facetLimit]);
        const hit = facetCache.get(key);
        if (hit && hit.version === version && options.facetCache !== false) {
          facets = hit.value;
          total = hit.total;
        } else {
          let counted: { facets: Record<FacetName, { value: string; count: number }[]>; total: number };
          if (where.length) {
            // One scan of the matches for the page and the facet counts: the matches are kept in a
            // materialised CTE (work_mem raised so that 30,000 of them stay in memory), ranked for the
            // page, and grouped by their whole facet array before unnesting (datasets of one participant
            // mostly share it): the same counts for a fraction of the per-value rows.
            const sql = `WITH m AS MATERIALIZED (SELECT ${keyColumns}, d.facets FROM federation_datasets d ${whereSql}),
                k AS (SELECT * FROM m AS k ORDER BY ${keyOrder} ${limitSql}),
                f AS (SELECT v, sum(g.n)::int AS n FROM (SELECT facets, count(*) AS n FROM m GROUP BY facets) g,
                  unnest(g.facets) AS v GROUP BY v)
              SELECT ${pageColumns}, row_number() OVER (ORDER BY ${keyOrder})::int AS ord,
                NULL::text AS facet_value, NULL::int AS facet_count
              FROM k ${pageJoins}
              UNION ALL
              SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                NULL, v, n FROM f`;
            const rows = await db.transaction(async (tx) => {
              await tx.query(`SET LOCAL work_mem = '32MB'`);
              return (
                await tx.query<
                  PageRow & { ord: number | null; facet_value: string | null; facet_count: number }
                >(sql, params)
              ).rows;
            });
            pageRows = rows.filter((r) => r.ord !== null).sort((x, y) => x.ord! - y.ord!);
            counted = shapeFacets(
              rows.flatMap((r) => (r.facet_value === null ? [] : [{ v: r.facet_value, n: r.facet_count }])),
              facetLimit,
            );
          } else {
            counted = await unfilteredFacetCounts(db, facetLimit);
          }
          facets = counted.facets;
          total = where.length ? counted.total : v.total;
          if (facetCache.size > 500) facetCache.clear();
          facetCache.set(key, { version, value: facets, total });
        }
      }
      pageRows ??= (
        await db.query<PageRow>(
          `SELECT ${pageColumns}
          FROM (SELECT ${keyColumns} FROM federation_datasets d ${whereSql} ORDER BY ${order} ${limitSql}) k
          ${pageJoins}
          ORDER BY ${keyOrder}`,
          params,
        )
      ).rows;
      total ??= where.length
        ? (
            await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM federation_datasets d ${whereSql}`,
              filterOnly,
            )
          ).rows[0]!.n
        : v.total;
      const result: SearchResult = {
        items: pageRows.map((r) => ({
          datasetId: r.dataset_id,
          participant: r.participant,
          dataSpace: r.data_space,
          source: r.source,
          endpoint: r.endpoint,
          title: r.title,
          description: r.description,
          publisher: r.publisher,
          keywords: r.keywords,
          themes: r.themes,
          formats: r.formats,
          licenses: r.licenses,
          offers: r.offers,
          stale: r.state === 'stale' || r.state === 'failing',
          lastSuccessAt: r.last_success_at,
          crawledAt: r.crawled_at,
        })),
        total,
        limit,
        offset,
      };
      if (facets) result.facets = facets;
      return result;
    },

    /** Datasets of the federated catalogue in (participant, dataset id) order, after `after` (keyset paging). */
    async catalogPage(options: {
      after?: { participant: string; datasetId: string };
      limit: number;
    }): Promise<
      { participant: string; dataSpace: string; datasetId: string; dataset: Record<string, unknown> }[]
    > {
      const r = await db.query<{
        participant: string;
        data_space: string;
        dataset_id: string;
        dataset: Record<string, unknown>;
      }>(
        `SELECT participant, data_space, dataset_id, dataset FROM federation_documents
         WHERE ($1::text IS NULL OR (participant, dataset_id) > ($1, $2))
         ORDER BY participant, dataset_id LIMIT $3`,
        [options.after?.participant ?? null, options.after?.datasetId ?? '', options.limit],
      );
      return r.rows.map((x) => ({
        participant: x.participant,
        dataSpace: x.data_space,
        datasetId: x.dataset_id,
        dataset: x.dataset,
      }));
    },

    /** One dataset of the federated catalogue by its id (the first match when several participants use it). */
    async datasetById(
      datasetId: string,
    ): Promise<{ participant: string; dataset: Record<string, unknown> } | undefined> {
      const r = await db.query<{ participant: string; dataset: Record<string, unknown> }>(
        `SELECT participant, dataset FROM federation_documents WHERE dataset_id = $1 ORDER BY participant LIMIT 1`,
        [datasetId],
      );
      return r.rows[0];
    },
  };
}

export type FederationStore = ReturnType<typeof createFederationStore>;

/** Facet counts over the whole index: the per-source counts kept at each crawl (072). */
async function unfilteredFacetCounts(
  db: Queryable,
  limit: number,
): Promise<{ facets: Record<FacetName, { value: string; count: number }[]>; total: number }> {
  const r = await db.query<{ v: string; n: number }>(
    'SELECT value AS v, sum(n)::int AS n FROM federation_facet_counts GROUP BY value',
  );
  return shapeFacets(r.rows, limit);
}

/** Facet counts by facet, most frequent first, `limit` each; the total is the participants' sum. */
function shapeFacets(
  rows: { v: string; n: number }[],
  limit: number,
): { facets: Record<FacetName, { value: string; count: number }[]>; total: number } {
  const out = Object.fromEntries(FACETS.map((f) => [f, []])) as unknown as Record<
    FacetName,
    { value: string; count: number }[]
  >;
  for (const row of rows) {
    const colon = row.v.indexOf(':');
    const facet = row.v.slice(0, colon) as FacetName;
    out[facet]?.push({ value: row.v.slice(colon + 1), count: row.n });
  }
  const total = out.participant.reduce((n, f) => n + f.count, 0);
  for (const f of FACETS) {
    out[f].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    out[f] = out[f].slice(0, limit);
  }
  return { facets: out, total };
}

/** `facet:value` as stored in the facets column (keywords and themes lower-cased, as indexed). */
function facetKey(f: FacetName, value: string): string {
  return `${f}:${FACET_COLUMNS[f].lower ? value.toLowerCase() : value}`;
}

function facetValues(d: IndexedDataset): string[] {
  const out = [facetKey('participant', d.participant), facetKey('dataSpace', d.dataSpace)];
  if (d.publisher) out.push(facetKey('publisher', d.publisher));
  for (const v of d.keywords) out.push(facetKey('keyword', v));
  for (const v of d.themes) out.push(facetKey('theme', v));
  for (const v of d.formats) out.push(facetKey('format', v));
  for (const v of d.licenses) out.push(facetKey('license', v));
  return [...new Set(out)];
}
