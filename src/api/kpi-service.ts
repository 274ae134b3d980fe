import { createHash } from 'node:crypto';
import type { Row } from '../engine/duckdb.js';
import type { Kpi } from '../project/types.js';
import { kpiChangedSince } from '../project/kpis.js';
import type { Condition, DataVersion, PublishInfo, ReadOptions, ServingStore } from '../serving/index.js';
import { safeCell } from './csv-cells.js';
import { badRequest, HttpError, kpiChanged, NOTHING_PUBLISHED, notPublished, unavailable } from './http-errors.js';
import { DATALAKE } from '../command-name.js';

/** Validated query parameters: paging, format, a range, and the KPI's declared filters by parameter name. */
export interface KpiQuery {
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
  format?: 'json' | 'csv';
  /** A lake version to read instead of the published one. */
  version?: number;
  [filter: string]: string | number | undefined;
}

export interface KpiResponse {
  /** Absent on answers from the lake fallback, which are not cached. */
  etag?: string;
  contentType: string;
  body: string;
  rows: number;
  servedFrom: 'serving-store' | 'lake';
  /** The lake version the rows come from (absent for a publish from before versions). */
  data?: DataVersion;
}

/** Reads a KPI from the gold Parquet of a lake version (default: the current one). */
export type LakeReader = (kpi: Kpi, options: ReadOptions, version?: number) => Promise<{ rows: Row[]; data?: DataVersion }>;

const MAX_CACHE_ENTRIES = 1000;
/** How long a read of the store's version is trusted: a new publish shows within this time. */
export const VERSION_TTL_MS = 100;

/**
 * Reads KPIs from the serving store for the API. Responses are kept serialized in memory per
 * (publish version, KPI, query); the cache is dropped as soon as the store's version changes, which
 * also catches publishes made by another process.
 */
export class KpiService {
  private cacheVersion: string | undefined;
  /** The record of the current publish (its lake version, its tables' columns), read once per publish. */
  private cachePublish: Promise<PublishInfo | undefined> | undefined;
  private readonly cache = new Map<string, KpiResponse>();
  /** Answers read from a given version: versions never change, so these are kept across publishes. */
  private readonly versionCache = new Map<string, KpiResponse>();
  private versionReader: LakeReader | undefined;
  private versionRead: { at: number; value: Promise<string | undefined>; read?: { version: string | undefined } } | undefined;

  private lakeReader: LakeReader | undefined;

  /** Per KPI with a text range column, its first value (bounds are cut to its length and checked against its form), per publish. */
  private readonly rangeSamples = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly serving: ServingStore,
    readonly kpis: readonly Kpi[],
  ) {}

  /** SERVE_FALLBACK=lake: answer from gold in the lake while the serving store is unavailable. */
  enableLakeFallback(reader: LakeReader): void {
    this.lakeReader = reader;
  }

  /** `?version=N`: answer from the gold of that version of the lake. */
  enableVersions(reader: LakeReader): void {
    this.versionReader = reader;
  }

  find(name: string): Kpi {
    const kpi = this.kpis.find((k) => k.id === name || k.table === name);
    if (!kpi) throw new HttpError(404, `unknown KPI "${name}": known KPIs are ${this.kpis.map((k) => k.id).join(', ')}`, {}, 'unknown_kpi');
    return kpi;
  }

  /**
   * The store's publish version, re-read at most every VERSION_TTL_MS: under load, asking the store on
   * every request would cost more than serving the cached response.
   */
  async version(): Promise<string | undefined> {
    const now = performance.now();
    if (!this.versionRead || now - this.versionRead.at > VERSION_TTL_MS) {
      const value = this.serving.version();
      const read: NonNullable<typeof this.versionRead> = { at: now, value };
      this.versionRead = read;
      value.then(
        (version) => (read.read = { version }),
        () => this.versionRead === read && (this.versionRead = undefined), // a failed read is not remembered
      );
    }
    try {
      return await this.versionRead.value;
    } catch (err) {
      throw unavailable(`the serving store (${this.serving.description}) is unavailable: ${(err as Error).message}`);
    }
  }

  /**
   * The cached answer, without waiting, when there is one for the version of the store last read (less
   * than VERSION_TTL_MS ago); undefined otherwise, and respond() then answers. Most reads under load.
   */
  cachedAnswer(kpi: Kpi, query: KpiQuery, key = cacheKey(kpi, query)): KpiResponse | undefined {
    // A version's answers are kept (versions never change); one that `datalake vacuum` then deleted
    // keeps being answered from here until the cache is dropped, as a page read before would show it.
    if (query.version !== undefined) return this.versionCache.get(key);
    const read = this.versionRead;
    if (read?.read === undefined || read.read.version === undefined || read.read.version !== this.cacheVersion || performance.now() - read.at > VERSION_TTL_MS) return undefined;
    return this.cache.get(key);
  }

  async respond(kpi: Kpi, query: KpiQuery): Promise<KpiResponse> {
    if (query.version !== undefined) return this.fromVersion(kpi, query, query.version);
    try {
      return await this.fromStore(kpi, query);
    } catch (err) {
      if (!(err instanceof HttpError && err.statusCode === 503 && this.lakeReader)) throw err;
      let read: Awaited<ReturnType<LakeReader>>;
      try {
        read = await this.lakeReader(kpi, readOptions(kpi, query, await this.rangeSample(kpi).catch(() => undefined)));
      } catch (lakeErr) {
        if (lakeErr instanceof HttpError) throw lakeErr;
        throw unavailable(`${err.message}; the lake fallback failed too: ${(lakeErr as Error).message}`);
      }
      return { ...this.render(kpi, query, read.rows), servedFrom: 'lake', ...(read.data ? { data: read.data } : {}) };
    }
  }

  private async fromVersion(kpi: Kpi, query: KpiQuery, version: number): Promise<KpiResponse> {
    if (!this.versionReader) throw badRequest('parameter "version": this server reads the serving store only');
    const key = cacheKey(kpi, query);
    const cached = this.versionCache.get(key);
    if (cached) return cached;
    const { version: _, ...rest } = query;
    // A text range's first value is read from the version's own rows when a bound needs cutting.
    const sample = kpi.range && kpi.columns[kpi.range]!.type !== 'date' && (rest.from !== undefined || rest.to !== undefined) ? rangeSampleOf(kpi, (await this.versionReader(kpi, { limit: 1 }, version)).rows) : undefined;
    const read = await this.versionReader(kpi, readOptions(kpi, rest, sample), version);
    const rendered = this.render(kpi, query, read.rows);
    const response: KpiResponse = { etag: contentEtag(key, rendered.body), ...rendered, servedFrom: 'lake', ...(read.data ? { data: read.data } : {}) };
    if (this.versionCache.size >= MAX_CACHE_ENTRIES) this.versionCache.clear();
    this.versionCache.set(key, response);
    return response;
  }

  private render(kpi: Kpi, query: KpiQuery, rows: Row[]): { contentType: string; body: string; rows: number } {
    const csv = query.format === 'csv';
    const body = csv ? toCsv(Object.keys(kpi.columns), rows) : JSON.stringify(rows);
    return { contentType: csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8', body, rows: rows.length };
  }

  private async fromStore(kpi: Kpi, query: KpiQuery): Promise<KpiResponse> {
    const version = await this.version();
    if (version === undefined) throw notPublished(NOTHING_PUBLISHED);
    if (version !== this.cacheVersion) {
      this.cache.clear();
      this.rangeSamples.clear();
      this.cacheVersion = version;
      this.cachePublish = this.serving.lastPublish();
      this.cachePublish.catch(() => (this.cachePublish = undefined));
    }
    const key = cacheKey(kpi, query);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const published = await this.cachePublish?.catch(() => undefined);
    // Declared since this publish with other columns: the store's rows are not what the route promises.
    const changed = kpiChangedSince(kpi, published?.columns?.[kpi.table]);
    if (changed) throw kpiChanged(changed);

    let rows: Row[] | undefined;
    try {
      rows = await this.serving.read(kpi.table, readOptions(kpi, query, await this.rangeSample(kpi)));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw unavailable(`the serving store (${this.serving.description}) is unavailable: ${(err as Error).message}`);
    }
    if (!rows) throw notPublished(`KPI ${kpi.id} has not been published yet: run the pipeline (\`${DATALAKE} run\`)`);
    const data = published?.data;
    const rendered = this.render(kpi, query, rows);
    const response: KpiResponse = { etag: contentEtag(key, rendered.body), ...rendered, servedFrom: 'serving-store', ...(data ? { data } : {}) };
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
    this.cache.set(key, response);
    return response;
  }

  /**
   * The first value of a text range column (`2026-03`), read from the first published row once per
   * publish: `from`/`to` are cut to its length, so a day bound selects its month on a monthly KPI.
   */
  private rangeSample(kpi: Kpi): Promise<string | undefined> {
    if (!kpi.range || kpi.columns[kpi.range]!.type === 'date') return Promise.resolve(undefined);
    let sample = this.rangeSamples.get(kpi.id);
    if (!sample) {
      sample = this.serving.read(kpi.table, { limit: 1 }).then((rows) => rangeSampleOf(kpi, rows));
      sample.catch(() => this.rangeSamples.delete(kpi.id));
      this.rangeSamples.set(kpi.id, sample);
    }
    return sample;
  }
}

/**
 * An answer's tag, from its request (the cache key: the KPI and its query, `version` included) and its
 * bytes: a serving store made again (its publish counter restarting at 1) or a lake started over (its
 * version 1 again) never gives other numbers a tag a client holds for old ones.
 */
function contentEtag(key: string, body: string): string {
  return `"${createHash('sha1').update(key).update('\0').update(body).digest('base64url').slice(0, 22)}"`;
}

function rangeSampleOf(kpi: Kpi, rows: Row[] | undefined): string | undefined {
  const v = rows?.[0]?.[kpi.range!];
  return typeof v === 'string' ? v : undefined;
}

/** A text's form: each digit `9`, each letter `A` or `a` by its case, other characters as they are (`2026-W05` → `9999-A99`). */
function shapeOf(text: string): string {
  return text.replace(/[0-9]/g, '9').replace(/\p{Lu}/gu, 'A').replace(/\p{Ll}/gu, 'a');
}

/** A KPI's columns as a publish records them (`name:type`, in order). */

/** What an answer is cached under: the KPI and its query, parameters sorted. */
export function cacheKey(kpi: Kpi, q: KpiQuery): string {
  return `${kpi.id}?${Object.keys(q)
    .sort()
    .map((k) => `${k}=${q[k] === undefined ? '' : String(q[k])}`)
    .join('&')}`;
}

/**
 * Turns validated query parameters into store conditions on the KPI's declared columns: `from`/`to` on
 * its range column, equality on its filters. `rangeSample`: a value of a text range column.
 */
export function readOptions(kpi: Kpi, q: KpiQuery, rangeSample?: string): { where: Condition[]; limit?: number; offset?: number } {
  const where: Condition[] = [];
  const range = kpi.range;
  if ((q.from !== undefined || q.to !== undefined) && !range) throw badRequest(`parameters "from" and "to" are not supported by KPI ${kpi.id}: it declares no range`);
  if (range) {
    const isDateColumn = kpi.columns[range]!.type === 'date';
    // The generic route accepts any KPI's bounds; on a date column they must be days or months.
    for (const p of ['from', 'to'] as const) {
      if (isDateColumn && q[p] !== undefined && !/^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/.test(q[p])) throw badRequest(`invalid query parameter "${p}": a day YYYY-MM-DD or a month YYYY-MM on KPI ${kpi.id}`);
    }
    // Days compare as YYYY-MM-DD strings and a month (YYYY-MM) covers all its days; on a text column
    // (a month, a year) a longer bound is cut to the values' length: 2026-03-10 → 2026-03.
    // A shorter `to` on a text column covers the values it starts: `to=2023` takes `2023M12`, `2023-12`.
    // A bound in another form than the values (a word for a month, `2026Q1` for `2026-03`) would select
    // nothing, or everything: digits, letters of each case and marks must fall where the values' do, on
    // periods (values starting with a digit; names in a range compare as they are).
    const rangeWidth = rangeSample?.length;
    for (const p of ['from', 'to'] as const) {
      const given = q[p];
      if (rangeSample && /^[0-9]/.test(rangeSample) && given !== undefined) {
        const length = Math.min(given.length, rangeSample.length);
        if (shapeOf(given.slice(0, length)) !== shapeOf(rangeSample.slice(0, length))) {
          throw badRequest(`invalid query parameter "${p}": "${given}" is not of the form of ${range}'s values, such as ${rangeSample}`);
        }
      }
    }
    const bound = (value: string, end: boolean) =>
      isDateColumn ? (value.length === 7 ? `${value}-${end ? '31' : '01'}` : value) : rangeWidth ? (end && value.length < rangeWidth ? `${value}\uffff` : value.slice(0, rangeWidth)) : value;
    const from = q.from === undefined ? undefined : bound(q.from, false);
    const to = q.to === undefined ? undefined : bound(q.to, true);
    if (from !== undefined && to !== undefined && from.slice(0, to.length) > to) throw badRequest(`parameter "from" (${q.from}) is after "to" (${q.to})`);
    if (from !== undefined) where.push({ column: range, op: '>=', value: from });
    if (to !== undefined) where.push({ column: range, op: '<=', value: to });
  }
  for (const [param, column] of Object.entries(kpi.filters)) {
    const value = q[param];
    if (value !== undefined) where.push({ column, op: '=', value: String(value) });
  }
  return { where, ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.offset !== undefined ? { offset: q.offset } : {}) };
}

/** A KPI's rows as CSV, header first; no cell a spreadsheet would run as a formula (csv-cells.ts). */
export function toCsv(columns: string[], rows: Row[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const s = safeCell(String(v));
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
