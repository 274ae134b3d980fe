import { statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Row } from '../engine/duckdb.js';
import { UserError } from '../errors.js';
import type { KpiColumnType } from '../project/types.js';
import { publishedColumns, type DataVersion, type KpiTable, type PublishInfo, type ReadOptions, type ServingStore } from './store.js';
import { makeFolderSync } from '../folders.js';

const SQL_TYPE: Record<KpiColumnType, string> = { string: 'TEXT', integer: 'INTEGER', number: 'REAL', date: 'TEXT' };
const TABLE_NAME = /^kpi_[a-z0-9_]+$/;
const COLUMN_NAME = /^[a-z][a-z0-9_]*$/;
const BUSY_TIMEOUT_MS = 10_000;

/** Runs `action` again, 10–40 ms apart, while SQLite answers SQLITE_BUSY, for up to `timeoutMs`. */
function whileBusy<T>(action: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return action();
    } catch (err) {
      if (!String((err as { code?: string }).code).startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw err;
      Atomics.wait(pause, 0, 0, 10 + Math.random() * 30);
    }
  }
}

/**
 * The embedded serving store: one SQLite file, one table per KPI. WAL mode gives readers a snapshot,
 * so publishing every table in one transaction is atomic for readers in any process.
 */
export class SqliteServingStore implements ServingStore {
  readonly description: string;
  private db!: Database.Database;
  private versionStatement!: Database.Statement;
  /** The file opened (device and inode), and when it was last compared with the path's. */
  private opened: { dev: number; ino: number } | undefined;
  private checkedAt = Date.now();

  constructor(private readonly file: string) {
    this.description = `sqlite ${file}`;
    this.openFile();
  }

  /**
   * The store's file replaced or removed under a running server (its data folder deleted and made again):
   * opened again, not to serve what nobody can see any more. Compared once a second at most.
   */
  private followFile(): void {
    if (Date.now() - this.checkedAt < 1000) return;
    this.checkedAt = Date.now();
    const now = statSync(this.file, { throwIfNoEntry: false });
    if (now && this.opened && now.dev === this.opened.dev && now.ino === this.opened.ino) return;
    // Opened before the old one is closed: a store that cannot be opened (its folder not made yet) leaves the old one, tried again later.
    const old = { db: this.db, versionStatement: this.versionStatement, opened: this.opened };
    try {
      this.openFile();
    } catch (err) {
      Object.assign(this, old);
      throw err;
    }
    old.db.close();
  }

  private openFile(): void {
    const file = this.file;
    try {
      makeFolderSync(path.dirname(file));
      this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
      const st = statSync(file);
      this.opened = { dev: st.dev, ino: st.ino };
      // Switching a new file to WAL does not wait on a busy handler: when the server's workers open
      // a new store at the same moment, all but one get SQLITE_BUSY at once. They try again.
      whileBusy(() => this.db.pragma('journal_mode = WAL'), BUSY_TIMEOUT_MS);
      this.db.exec(`CREATE TABLE IF NOT EXISTS _publishes (
        id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, published_at TEXT NOT NULL, tables TEXT NOT NULL)`);
      // Stores written before versions have no data column, before the KPIs' columns were recorded no
      // columns column: added, empty for their publishes.
      const columns = (this.db.prepare(`PRAGMA table_info(_publishes)`).all() as { name: string }[]).map((c) => c.name);
      for (const added of ['data', 'columns'].filter((c) => !columns.includes(c))) {
        // The server's workers open the store at once: another one may have added it in between.
        try {
          this.db.exec(`ALTER TABLE _publishes ADD COLUMN ${added} TEXT`);
        } catch (err) {
          if (!/duplicate column name/.test((err as Error).message)) throw err;
        }
      }
      // With its time: a store made again from scratch numbers its publishes from 1 again.
      this.versionStatement = this.db.prepare(`SELECT id, published_at FROM _publishes ORDER BY id DESC LIMIT 1`);
    } catch (err) {
      throw new UserError(`cannot open the serving store ${file}: ${(err as Error).message}`, 'check SERVING_DB / DATA_DIR and their permissions', { cause: err });
    }
  }

  async publish(runId: string, tables: KpiTable[], data?: DataVersion): Promise<PublishInfo> {
    for (const t of tables) if (!TABLE_NAME.test(t.table)) throw new Error(`invalid KPI table name ${t.table}`);
    const info: PublishInfo = { runId, ...(data ? { data } : {}), publishedAt: new Date().toISOString(), tables: Object.fromEntries(tables.map((t) => [t.table, t.rows.length])), columns: publishedColumns(tables) };
    const previous = this.lastPublishSync();
    this.db.transaction(() => {
      for (const t of tables) {
        this.db.exec(`DROP TABLE IF EXISTS "${t.table}"`);
        this.db.exec(`CREATE TABLE "${t.table}" (${t.columns.map((c) => `"${c.name}" ${SQL_TYPE[c.type]}`).join(', ')})`);
        const insert = this.db.prepare(`INSERT INTO "${t.table}" VALUES (${t.columns.map(() => '?').join(', ')})`);
        for (const row of t.rows) insert.run(t.columns.map((c) => row[c.name] ?? null));
      }
      // A KPI removed from the registry disappears with the publish that no longer has it.
      for (const old of Object.keys(previous?.tables ?? {})) {
        if (!(old in info.tables) && TABLE_NAME.test(old)) this.db.exec(`DROP TABLE IF EXISTS "${old}"`);
      }
      this.db
        .prepare(`INSERT INTO _publishes (run_id, published_at, tables, data, columns) VALUES (?, ?, ?, ?, ?)`)
        .run(runId, info.publishedAt, JSON.stringify(info.tables), data ? JSON.stringify(data) : null, JSON.stringify(info.columns));
    })();
    return info;
  }

  async read(table: string, options: ReadOptions = {}): Promise<Row[] | undefined> {
    this.followFile();
    // One read transaction: the table list and the rows come from the same snapshot.
    return this.db.transaction(() => {
      const published = this.lastPublishSync();
      if (!published || !(table in published.tables)) return undefined;
      const where = options.where ?? [];
      for (const c of where) if (!COLUMN_NAME.test(c.column)) throw new Error(`invalid column name ${c.column}`);
      const clause = where.length ? `WHERE ${where.map((c) => `"${c.column}" ${c.op} ?`).join(' AND ')}` : '';
      const sql = `SELECT * FROM "${table}" ${clause} ORDER BY rowid LIMIT ? OFFSET ?`;
      return this.db.prepare(sql).all(...where.map((c) => c.value), options.limit ?? -1, options.offset ?? 0) as Row[];
    })();
  }

  async version(): Promise<string | undefined> {
    this.followFile();
    const row = this.versionStatement.get() as { id: number; published_at: string } | undefined;
    return row ? `${row.id}@${row.published_at}` : undefined;
  }

  async lastPublish(): Promise<PublishInfo | undefined> {
    this.followFile();
    return this.lastPublishSync();
  }

  private lastPublishSync(): PublishInfo | undefined {
    const row = this.db.prepare(`SELECT run_id, published_at, tables, data, columns FROM _publishes ORDER BY id DESC LIMIT 1`).get() as
      | { run_id: string; published_at: string; tables: string; data: string | null; columns: string | null }
      | undefined;
    if (!row) return undefined;
    return {
      runId: row.run_id,
      ...(row.data ? { data: JSON.parse(row.data) as DataVersion } : {}),
      publishedAt: row.published_at,
      tables: JSON.parse(row.tables) as Record<string, number>,
      ...(row.columns ? { columns: JSON.parse(row.columns) as Record<string, string[]> } : {}),
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
