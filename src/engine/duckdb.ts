import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import type { Config } from '../config.js';
import { makeFolder } from '../folders.js';

export type Row = Record<string, string | number | boolean | null>;

export interface QueryProgress {
  /** 0..100, or undefined while DuckDB cannot estimate it. */
  percent: number | undefined;
}

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;
const WIDE_INTEGER_TYPE = /^(BIGINT|HUGEINT|UBIGINT)$/;

/**
 * One in-memory DuckDB per run: it reads and writes files only, so it holds no state between runs.
 * The memory limit makes large sorts and aggregates spill to `spillDir` instead of growing the process.
 */
export class Engine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** A spill folder of its own, removed on close. */
    private readonly ownedDir?: string,
  ) {}

  /** The temporary engine's folder (see openTemporary), for files that need not outlive it. */
  get temporaryDir(): string | undefined {
    return this.ownedDir;
  }

  /** An engine for a command outside a run (check, init): it spills to a temporary folder of its own, removed on close. */
  static async openTemporary(settings: Config['duckdb'], purpose: string): Promise<Engine> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `datalake-${purpose}-`));
    return Engine.open(settings, dir, true).catch(async (err: unknown) => {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    });
  }

  static async open(settings: Config['duckdb'], spillDir: string, removeSpillDirOnClose = false): Promise<Engine> {
    await makeFolder(spillDir);
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(settings.threads),
      memory_limit: settings.memoryLimit,
      temp_directory: spillDir,
      // No network access from SQL: S3 objects go through the storage driver.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      // Lets DuckDB aggregate and write Parquet on all threads without keeping row order. Queries whose
      // order matters say ORDER BY; the one step that needs file order turns this back on for itself.
      preserve_insertion_order: 'false',
    });
    const connection = await instance.connect();
    await connection.run(`SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0;`);
    return new Engine(instance, connection, removeSpillDirOnClose ? spillDir : undefined);
  }

  /** Runs statements; while they run, reports DuckDB's progress estimate every 250 ms. */
  async run(sql: string, onProgress?: (p: QueryProgress) => void): Promise<void> {
    const started = performance.now();
    await this.withProgress(() => this.connection.run(sql), onProgress);
    profile(sql, started);
  }

  /**
   * Runs a query and returns its rows as plain JSON values (numbers, 'YYYY-MM-DD' dates, strings, null).
   * `values` are bound to its `?` placeholders: text from a request, never written into the SQL.
   */
  async rows(sql: string, onProgress?: (p: QueryProgress) => void, values?: string[]): Promise<Row[]> {
    const started = performance.now();
    const reader = await this.withProgress(() => (values ? this.connection.runAndReadAll(sql, values) : this.connection.runAndReadAll(sql)), onProgress);
    profile(sql, started);
    return toRows(reader);
  }

  /**
   * Runs a COPY whose file must keep its source's row order (row numbers are read from it). DuckDB keeps
   * it only in its order-preserving parallel writer (BATCH_COPY_TO_FILE); a plan without it (a join in
   * the query can cause that) wrote rows out of order at 2M rows although preserve_insertion_order was
   * on. Such a plan runs on one thread, where rows cannot pass each other: slower, never wrong.
   * `oneThread` says that this happened (an engine of one thread has nothing to fall back from).
   */
  async copyInOrder(copy: string, onProgress?: (p: QueryProgress) => void): Promise<{ oneThread: boolean }> {
    await this.connection.run('SET preserve_insertion_order = true');
    try {
      const [setting] = await this.rows(`SELECT current_setting('threads') AS n`);
      const threads = Number(setting!['n']);
      const plan = threads > 1 ? await this.connection.runAndReadAll(`EXPLAIN ${copy}`) : undefined;
      if (!plan || plan.getRows().some((row) => row.some((cell) => String(cell).includes('BATCH_COPY_TO_FILE')))) {
        await this.run(copy, onProgress);
        return { oneThread: false };
      }
      await this.connection.run('SET threads = 1');
      try {
        await this.run(copy, onProgress);
      } finally {
        await this.connection.run(`SET threads = ${threads}`);
      }
      return { oneThread: true };
    } finally {
      await this.connection.run('SET preserve_insertion_order = false');
    }
  }

  /**
   * How many statements DuckDB's parser finds in `sql`, without running any; undefined when it does not
   * parse (running it reports the syntax error with its line).
   */
  async statementCount(sql: string): Promise<number | undefined> {
    try {
      return (await this.connection.extractStatements(sql)).count;
    } catch {
      return undefined;
    }
  }

  async columns(sql: string): Promise<{ name: string; type: string }[]> {
    const reader = await this.connection.runAndReadAll(`DESCRIBE ${sql}`);
    return reader.getRowObjectsJson().map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
  }

  private async withProgress<T>(fn: () => Promise<T>, onProgress?: (p: QueryProgress) => void): Promise<T> {
    if (!onProgress) return fn();
    const timer = setInterval(() => {
      const p = this.connection.progress.percentage;
      onProgress({ percent: p >= 0 ? Math.min(100, p) : undefined });
    }, 250);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.ownedDir) rmSync(this.ownedDir, { recursive: true, force: true });
  }
}

/**
 * DATALAKE_PROFILE=1 prints each statement's time to stderr (its first 160 characters;
 * DATALAKE_PROFILE=full prints it whole): where a run's time goes, statement by statement.
 */
function profile(sql: string, started: number): void {
  const mode = process.env['DATALAKE_PROFILE']?.trim();
  if (!mode || mode === '0') return;
  const text = mode === 'full' ? sql : sql.replace(/\s+/g, ' ').trim().slice(0, 160);
  process.stderr.write(`[sql ${((performance.now() - started) / 1000).toFixed(3)} s] ${text}\n`);
}

/**
 * Rows as JSON values: numbers as numbers, except 64- and 128-bit integers past 2^53, which a JSON
 * number (a double) would round: those stay exact, as decimal strings (an id of a real export).
 */
export function toRows(reader: DuckDBResultReader): Row[] {
  const types = reader.columnTypes().map((t) => String(t));
  const numeric = types.map((t) => NUMERIC_TYPE.test(t));
  const wide = types.map((t) => WIDE_INTEGER_TYPE.test(t));
  const names = reader.columnNames();
  return reader.getRowObjectsJson().map((raw) => {
    const row: Row = {};
    names.forEach((name, i) => {
      const v = raw[name];
      if (v === null || v === undefined) row[name] = null;
      else if (numeric[i]) {
        const n = Number(v);
        if (wide[i] && !Number.isSafeInteger(n)) row[name] = String(v);
        else row[name] = Number.isFinite(n) ? n : null; // NaN and infinities are served as null, like the seed's API
      } else if (typeof v === 'boolean' || typeof v === 'number') row[name] = v;
      else row[name] = String(v);
    });
    return row;
  });
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A model's or KPI's SQL as a parenthesized subquery. The newline ends a `--` comment the SQL may end
 * with, which would otherwise swallow the closing parenthesis and what follows.
 */
export function subquery(sql: string): string {
  return `(${sql}\n)`;
}

/** A SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Parquet files read as one table. Hive partitioning is off: a folder such as `month=2026-11` names a
 * partition of the lake's layout, not a column of the rows.
 */
export function parquetFiles(files: readonly string[]): string {
  return `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false)`;
}

/** A DATE column as the 'YYYY-MM-DD' text every reader of a KPI gets (serving store, lake fallback). */
export function dayText(column: string): string {
  return `strftime(${sqlIdent(column)}, '%Y-%m-%d')`;
}
