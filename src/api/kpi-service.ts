import { createHash } from 'node:crypto';
import type { Row } from '../engine/duckdb.js';
import type { Kpi } from '../registry/kpi.js';
import type { Condition, ReadOptions, ServingStore } from '../serving/index.js';
import { badRequest, HttpError, NOTHING_PUBLISHED, notFound, unavailable } from './http-errors.js';

export interface KpiQuery {
  from?: string;
  to?: string;
  pays?: string;
  limit?: number;
  offset?: number;
  format?: 'json' | 'csv';
}

export interface KpiResponse {
  /** Absent on answers from the lake fallback, which are not cached. */
  etag?: string;
  contentType: string;
  body: string;
  rows: number;
  servedFrom: 'serving-store' | 'lake';
}

/** Reads a KPI from its gold Parquet when the serving store is down (SERVE_FALLBACK=lake). */
export type LakeReader = (kpi: Kpi, options: ReadOptions) => Promise<Row[]>;

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
  private readonly cache = new Map<string, KpiResponse>();
  private versionRead: { at: number; value: Promise<string | undefined> } | undefined;

  private lakeReader: LakeReader | undefined;

  constructor(
    private readonly serving: ServingStore,
    readonly kpis: Kpi[],
  ) {}

  /** SERVE_FALLBACK=lake: answer from gold in the lake while the serving store is unavailable. */
  enableLakeFallback(reader: LakeReader): void {
    this.lakeReader = reader;
  }

  find(name: string): Kpi {
    const kpi = this.kpis.find((k) => k.id === name || k.table === name);
    if (!kpi) throw notFound(`unknown KPI "${name}": known KPIs are ${this.kpis.map((k) => k.id).join(', ')}`);
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
      this.versionRead = { at: now, value };
      value.catch(() => (this.versionRead = undefined)); // a failed read is not remembered
    }
    try {
      return await this.versionRead.value;
    } catch (err) {
      throw unavailable(`the serving store (${this.serving.description}) is unavailable: ${(err as Error).message}`);
    }
  }

  async respond(kpi: Kpi, query: KpiQuery): Promise<KpiResponse> {
    try {
      return await this.fromStore(kpi, query);
    } catch (err) {
      if (!(err instanceof HttpError && err.statusCode === 503 && this.lakeReader)) throw err;
      let rows: Row[];
      try {
        rows = await this.lakeReader(kpi, readOptions(kpi, query));
      } catch (lakeErr) {
        if (lakeErr instanceof HttpError) throw lakeErr;
        throw unavailable(`${err.message}; the lake fallback failed too: ${(lakeErr as Error).message}`);
      }
      return { ...this.render(kpi, query, rows), servedFrom: 'lake' };
    }
  }

  private render(kpi: Kpi, query: KpiQuery, rows: Row[]): { contentType: string; body: string; rows: number } {
    const csv = query.format === 'csv';
    const body = csv ? toCsv(Object.keys(kpi.columns), rows) : JSON.stringify(rows);
    return { contentType: csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8', body, rows: rows.length };
  }

  private async fromStore(kpi: Kpi, query: KpiQuery): Promise<KpiResponse> {
    const version = await this.version();
    if (version === undefined) throw notFound(NOTHING_PUBLISHED);
    if (version !== this.cacheVersion) {
      this.cache.clear();
      this.cacheVersion = version;
    }
    const key = `${kpi.id}?${canonicalQuery(query)}`;
    const cached = this.cache.get(key);
    if (cached) return cached;

    let rows: Row[] | undefined;
    try {
      rows = await this.serving.read(kpi.table, readOptions(kpi, query));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw unavailable(`the serving store (${this.serving.description}) is unavailable: ${(err as Error).message}`);
    }
    if (!rows) throw notFound(`KPI ${kpi.id} has not been published yet: run the pipeline (\`npx datalake run\`)`);
    const etag = `"${version}-${createHash('sha1').update(key).digest('base64url').slice(0, 16)}"`;
    const response: KpiResponse = { etag, ...this.render(kpi, query, rows), servedFrom: 'serving-store' };
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
    this.cache.set(key, response);
    return response;
  }
}

function canonicalQuery(q: KpiQuery): string {
  return [q.from, q.to, q.pays, q.limit, q.offset, q.format ?? 'json'].map((v) => (v === undefined ? '' : String(v))).join('|');
}

/** Turns validated query parameters into store conditions on the KPI's declared filter columns. */
export function readOptions(kpi: Kpi, q: KpiQuery): { where: Condition[]; limit?: number; offset?: number } {
  const where: Condition[] = [];
  const time = kpi.filters.time;
  if ((q.from !== undefined || q.to !== undefined) && !time) throw badRequest(`parameters "from" and "to" are not supported by KPI ${kpi.id}: it is not a time series`);
  if (q.from !== undefined && q.to !== undefined && q.from.slice(0, q.to.length) > q.to) {
    throw badRequest(`parameter "from" (${q.from}) is after "to" (${q.to})`);
  }
  if (time) {
    const isDateColumn = kpi.columns[time]!.type === 'date';
    // Days compare as YYYY-MM-DD strings; a month (YYYY-MM) covers all its days.
    const bound = (value: string, end: boolean) => (isDateColumn ? (value.length === 7 ? `${value}-${end ? '31' : '01'}` : value) : value.slice(0, 7));
    if (q.from !== undefined) where.push({ column: time, op: '>=', value: bound(q.from, false) });
    if (q.to !== undefined) where.push({ column: time, op: '<=', value: bound(q.to, true) });
  }
  if (q.pays !== undefined) {
    if (!kpi.filters.pays) throw badRequest(`parameter "pays" is not supported by KPI ${kpi.id}`);
    where.push({ column: kpi.filters.pays, op: '=', value: q.pays });
  }
  return { where, ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.offset !== undefined ? { offset: q.offset } : {}) };
}

export function toCsv(columns: string[], rows: Row[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
