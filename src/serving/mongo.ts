import type { Db, Document, Filter, MongoClient } from 'mongodb';
import type { Row } from '../engine/duckdb.js';
import { ServiceError, UserError } from '../errors.js';
import { redactUrl } from '../settings.js';
import type { KpiColumnType } from '../project/types.js';
import { publishedColumns, type DataVersion, type KpiTable, type PublishInfo, type ReadOptions, type ServingStore } from './store.js';
import { DATALAKE } from '../command-name.js';

const PUBLISHES = '_publishes';
const TABLE_NAME = /^kpi_[a-z0-9_]+$/;
const COLUMN_NAME = /^[a-z][a-z0-9_]*$/;
const BATCH = 5000;

/**
 * MongoDB serving store (MONGO_URI, `mongodb://` or Atlas `mongodb+srv://`): one collection per KPI,
 * named as in the seed, with the seed's field names; `date` columns are stored as BSON dates and read
 * back as 'YYYY-MM-DD'. A publish writes each KPI to a staging collection, indexes it, then renames
 * it over the live one (renameCollection with dropTarget), so a reader never sees an empty or
 * partial KPI. Publishes are recorded in `_publishes`; one client (connection pool) per process.
 */
export class MongoServingStore implements ServingStore {
  readonly description: string;
  private client: MongoClient | undefined;
  private connected: Promise<Db> | undefined;
  private closed = false;

  constructor(
    private readonly uri: string,
    private readonly dbName: string,
  ) {
    this.description = `mongodb ${redact(uri)} (database ${dbName})`;
  }

  /** Connects on first use; a failed attempt is forgotten so the next call tries again (the server may be back). */
  private ready(): Promise<Db> {
    this.connected ??= this.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw describeMongoError(err, this.description);
    });
    return this.connected;
  }

  /**
   * Loads the driver and checks MONGO_URI, without connecting (a server checks its settings when it
   * starts). The driver is loaded on first use: it takes ~0.15 s, which a process that never reads or
   * publishes to MongoDB (a run that stops before publishing, the CLI's other commands) need not pay.
   */
  async open(): Promise<MongoClient> {
    const { MongoClient } = await import('mongodb');
    if (this.closed) throw new ServiceError(`the serving store ${this.description} is closed`);
    if (!this.client) {
      // Fail fast when the server is away, unless the URI says otherwise.
      const timeouts = /serverSelectionTimeoutMS=/i.test(this.uri) ? {} : { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 };
      try {
        this.client = new MongoClient(this.uri, { ...timeouts, appName: 'datalake' });
      } catch (err) {
        throw new UserError(`invalid MONGO_URI: ${(err as Error).message}`, 'use mongodb://host:27017 or mongodb+srv://user:password@cluster.example.net');
      }
    }
    return this.client;
  }

  private async connect(): Promise<Db> {
    const client = await this.open();
    await client.connect();
    return client.db(this.dbName);
  }

  async publish(runId: string, tables: KpiTable[], data?: DataVersion): Promise<PublishInfo> {
    const db = await this.ready();
    const info: PublishInfo = { runId, ...(data ? { data } : {}), publishedAt: new Date().toISOString(), tables: Object.fromEntries(tables.map((t) => [t.table, t.rows.length])), columns: publishedColumns(tables) };
    try {
      for (const t of tables) {
        if (!TABLE_NAME.test(t.table)) throw new Error(`invalid KPI table name ${t.table}`);
        const staging = `${t.table}__staging`;
        await db.collection(staging).drop().catch(ignoreMissing);
        const docs = t.rows.map((row, seq) => toDocument(row, t.columns, seq));
        for (let i = 0; i < docs.length; i += BATCH) await db.collection(staging).insertMany(docs.slice(i, i + BATCH), { ordered: true });
        if (docs.length === 0) await db.createCollection(staging);
        // Indexes for the API's filters and its row order, built before the collection goes live.
        await db.collection(staging).createIndex({ _seq: 1 });
        for (const c of t.columns) if (c.type === 'date' || c.filtered) await db.collection(staging).createIndex({ [c.name]: 1, _seq: 1 });
        await db.renameCollection(staging, t.table, { dropTarget: true });
      }
      const previous = await this.lastPublish();
      const last = await db.collection(PUBLISHES).find().sort({ _id: -1 }).limit(1).next();
      await db.collection(PUBLISHES).insertOne({ _id: (Number(last?._id ?? 0) + 1) as never, ...info });
      for (const old of Object.keys(previous?.tables ?? {})) {
        if (!(old in info.tables) && TABLE_NAME.test(old)) await db.collection(old).drop().catch(ignoreMissing);
      }
    } catch (err) {
      throw describeMongoError(err, this.description);
    }
    return info;
  }

  async read(table: string, options: ReadOptions = {}): Promise<Row[] | undefined> {
    const db = await this.ready();
    try {
      const published = await this.lastPublish();
      if (!published || !(table in published.tables)) return undefined;
      const filter: Filter<Document> = {};
      for (const c of options.where ?? []) {
        if (!COLUMN_NAME.test(c.column)) throw new Error(`invalid column name ${c.column}`);
        const value = typeof c.value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(c.value) && (await this.isDateColumn(table, c.column)) ? new Date(`${c.value}T00:00:00Z`) : c.value;
        const op = c.op === '=' ? '$eq' : c.op === '>=' ? '$gte' : '$lte';
        filter[c.column] = { ...(filter[c.column] as object | undefined), [op]: value };
      }
      let cursor = db.collection(table).find(filter, { projection: { _id: 0 } }).sort({ _seq: 1 });
      if (options.offset) cursor = cursor.skip(options.offset);
      if (options.limit !== undefined) cursor = cursor.limit(options.limit);
      return (await cursor.toArray()).map(fromDocument);
    } catch (err) {
      throw describeMongoError(err, this.description);
    }
  }

  /** Date columns are those whose stored values are BSON dates (the declaration is not stored). */
  private async isDateColumn(table: string, column: string): Promise<boolean> {
    const sample = await (await this.ready()).collection(table).findOne({ [column]: { $ne: null } }, { projection: { [column]: 1 } });
    return sample?.[column] instanceof Date;
  }

  async lastPublish(): Promise<PublishInfo | undefined> {
    const db = await this.ready();
    try {
      const doc = await db.collection(PUBLISHES).find().sort({ _id: -1 }).limit(1).next();
      if (!doc) return undefined;
      const columns = doc['columns'] ? { columns: doc['columns'] as Record<string, string[]> } : {};
      return { runId: String(doc['runId']), ...(doc['data'] ? { data: doc['data'] as DataVersion } : {}), publishedAt: String(doc['publishedAt']), tables: doc['tables'] as Record<string, number>, ...columns };
    } catch (err) {
      throw describeMongoError(err, this.description);
    }
  }

  async version(): Promise<string | undefined> {
    const db = await this.ready();
    try {
      const doc = await db.collection(PUBLISHES).find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).next();
      return doc ? String(doc._id) : undefined;
    } catch (err) {
      throw describeMongoError(err, this.description);
    }
  }

  /** The server's version, for `datalake doctor`. */
  async serverVersion(): Promise<string> {
    const db = await this.ready();
    const info = await db.admin().command({ buildInfo: 1 });
    return String(info['version']);
  }

  async close(): Promise<void> {
    this.closed = true;
    // A connection under way is let finish, then closed with the rest.
    await this.connected?.catch(() => undefined);
    await this.client?.close();
  }
}

function toDocument(row: Row, columns: { name: string; type: KpiColumnType }[], seq: number): Document {
  const doc: Document = { _seq: seq };
  for (const c of columns) {
    const v = row[c.name] ?? null;
    doc[c.name] = c.type === 'date' && typeof v === 'string' ? new Date(`${v}T00:00:00Z`) : v;
  }
  return doc;
}

function fromDocument(doc: Document): Row {
  const row: Row = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === '_seq') continue;
    row[k] = v instanceof Date ? v.toISOString().slice(0, 10) : (v as Row[string]);
  }
  return row;
}

function ignoreMissing(err: unknown): void {
  const e = err as { name?: string; code?: number; codeName?: string };
  if (e.name === 'MongoServerError' && (e.code === 26 || e.codeName === 'NamespaceNotFound')) return;
  throw err;
}

/** The URI without its password, for messages and logs. */
export function redact(uri: string): string {
  return redactUrl(uri)
    .replace(/\?.*$/, '')
    .replace(/\/+$/, '');
}

function describeMongoError(err: unknown, where: string): Error {
  if (err instanceof UserError) return err;
  const e = err as Error & { code?: number | string; codeName?: string; syscall?: string };
  // A mongodb+srv:// URI is resolved through DNS (SRV and TXT records) before the driver connects: a
  // host that does not resolve fails there, with Node's DNS error rather than the driver's.
  const dns = typeof e.syscall === 'string' && /^(querySrv|queryTxt|getaddrinfo)$/.test(e.syscall);
  if (dns || e.name === 'MongoServerSelectionError' || e.name === 'MongoNetworkError' || e.name === 'MongoNetworkTimeoutError') {
    return new ServiceError(`cannot reach the serving store ${where}: ${e.message.split('\n')[0]}`, `start MongoDB or fix MONGO_URI; \`${DATALAKE} doctor\` checks the services`, { cause: err });
  }
  if (e.code === 18 || e.codeName === 'AuthenticationFailed') {
    return new UserError(`MongoDB rejected the credentials of ${where}`, 'check the user and password in MONGO_URI', { cause: err });
  }
  if (e.code === 13 || e.codeName === 'Unauthorized') {
    return new UserError(`MongoDB user of ${where} may not do this: ${e.message}`, 'give the user readWrite on MONGO_DB', { cause: err });
  }
  return e instanceof Error ? e : new Error(String(err));
}
