import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sqlIdent as id, sqlString as str, type Row } from '../../engine/duckdb.js';
import { UserError } from '../../errors.js';
import { assertValidKey, BUCKETS, currentVersion, readStaged, requireVersion, type Bucket } from '../../lake/index.js';
import { SOURCE_EXTENSION, SOURCE_EXTENSIONS_SAID } from '../../lake/keys.js';
import { datasetForFile } from '../../project/globs.js';
import { headerKeys, headerOption, inspectHeader, quoteOptions, quotingOf, skipOption } from '../../pipeline/csv-header.js';
import { datasetHeader } from '../../pipeline/dataset-header.js';
import { endsWithEofMark, isUtf8File, readableCopy } from '../../pipeline/csv-encoding.js';
import { hasMixedLineEnds } from '../../pipeline/csv-file.js';
import type { DatasetSpec } from '../../project/types.js';
import type { DataVersion } from '../../serving/index.js';
import { safeCell, safeColumnSql } from '../csv-cells.js';
import { VERSION_HEADERS, versionHeaders, versionHolding } from '../data-version.js';
import { badRequest, HttpError, notFound, RUN_ID, unreadableObject } from '../http-errors.js';
import { MASK, Redactor } from '../redact.js';
import { livePrivacy, type Privacy } from '../project-watch.js';
import { parserOn, personalNames } from '../../project/personal-lineage.js';
import { lakeCall } from '../lake-call.js';
import { body, errors, noQuery } from '../schemas.js';

const bucketParam = { type: 'object', properties: { bucket: { type: 'string', enum: [...BUCKETS] } }, required: ['bucket'] };
const keyQuery = (extra: Record<string, object> = {}, required: string[] = ['key']) => ({
  type: 'object',
  properties: { key: { type: 'string', minLength: 1, maxLength: 1024 }, ...extra },
  required,
  additionalProperties: false,
});

/**
 * The lake explorer: buckets, objects, a preview of any CSV or Parquet object and its download as
 * CSV. Admin-only when API_KEY is set; personal columns are masked unless the caller is admin.
 */
export default async function lakeRoutes(app: FastifyInstance): Promise<void> {
  const { auth, config, engine, lake } = app;
  // Authenticate first: a request without a key learns nothing from the validation of its parameters.
  app.addHook('onRequest', auth.requireReader);
  const canSeePersonal = (request: FastifyRequest) => auth.isAdmin(request);
  /** Whether a non-admin sees this column of this object masked: a column declared personal in any dataset (as the definitions are now), matched as bronze matches headers, and every value but the context of a personal dataset's quarantine (its malformed lines' raw text may hold any of them). */
  // Gold's names for personal values (`email AS contact`), per definitions: parsed once each.
  const goldNames = new Map<string, Promise<Set<string>>>();
  const goldPersonal = (privacy: Privacy): Promise<Set<string>> => {
    const key = JSON.stringify([privacy.declared, privacy.goldSql]);
    let names = goldNames.get(key);
    if (!names) {
      names = engine.db().then((db) => personalNames(privacy.goldSql, privacy.declared, parserOn(db)));
      goldNames.clear();
      goldNames.set(key, names);
    }
    return names;
  };
  const maskerFor = async (bucket: Bucket, key: string) => {
    const privacy = livePrivacy(config.project);
    const all = privacy.redactor.maskAll(bucket, key);
    const derived = bucket === 'gold' && privacy.declared.length ? await goldPersonal(privacy) : undefined;
    // A malformed line's raw text is shown for a dataset without personal columns only (see rawLinesShown).
    const rawLines = privacy.redactor.rawLinesShown(bucket, key);
    return (column: string) => (all ? !Redactor.keepsInQuarantine(column) : (column === '_raw_line' && !rawLines) || headerKeys(column).some((k) => privacy.personal.has(k)) || derived?.has(column.toLowerCase()) === true);
  };
  const mask = (row: Row, masked: (c: string) => boolean): Row => {
    const out: Row = {};
    for (const [k, v] of Object.entries(row)) out[k] = masked(k) && v !== null ? MASK : v;
    return out;
  };

  app.get('/api/lake', { schema: { summary: 'Buckets of the lake with their object counts', tags: ['lake'], querystring: noQuery, response: { 200: body('LakeSummary'), ...errors(400, 401, 403, 503) } } }, async () => ({
    lake: lake.description,
    buckets: await lakeCall(async () =>
      Promise.all(
        BUCKETS.map(async (name) => {
          const objects = await lake.list(name);
          return { name, objects: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0) };
        }),
      ),
    ),
  }));

  app.get(
    '/api/lake/:bucket',
    {
      schema: {
        summary: 'Objects of a bucket',
        tags: ['lake'],
        params: bucketParam,
        description:
          'In bronze, silver and gold: the objects of the current version of the lake (or of `version`, or the version staged by `run` when its audit failed), each with its table. Objects of runs that did not commit are not listed otherwise. In sources and runs: every object.',
        querystring: {
          type: 'object',
          properties: {
            prefix: { type: 'string', maxLength: 1024 },
            version: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
            run: { type: 'string', pattern: RUN_ID, description: 'a run whose audit failed: the version it staged' },
          },
          additionalProperties: false,
        },
        response: { 200: body('ObjectList'), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { bucket } = request.params as { bucket: Bucket };
      const { prefix, version: wanted, run } = request.query as { prefix?: string; version?: number; run?: string };
      const versioned = bucket === 'bronze' || bucket === 'silver' || bucket === 'gold';
      const staged = versioned && run ? await lakeCall(() => readStaged(lake, run)) : undefined;
      if (run && versioned && !staged) throw notFound(`run ${run} has no staged version (only a run whose audit failed has one)`);
      const version = versioned ? (staged ?? (await lakeCall(() => (wanted ? requireVersion(lake, wanted) : currentVersion(lake))))) : undefined;
      // Which table each object of the version belongs to; a lake from before versions lists everything.
      const tableOf = new Map(Object.entries(version?.tables ?? {}).filter(([, t]) => t.bucket === bucket).flatMap(([name, t]) => t.objects.map((k) => [k, name] as const)));
      const objects = (await lakeCall(() => lake.list(bucket, prefix ?? ''))).filter((o) => !version || tableOf.has(o.key));
      return {
        bucket,
        // A staged version has no number until approved: the next commit, whichever it is, takes the one it would.
        version: staged ? null : (version?.version ?? null),
        objects: objects.map((o) => ({ key: o.key, size: o.size, modified: o.modified.toISOString(), format: formatOf(o.key) ?? 'other', ...(tableOf.has(o.key) ? { table: tableOf.get(o.key)! } : {}) })),
      };
    },
  );

  app.get(
    '/api/lake/:bucket/preview',
    {
      schema: {
        summary: 'Schema and first rows of a CSV or Parquet object',
        description: 'Optionally only the rows where `column` equals `value`.',
        tags: ['lake'],
        params: bucketParam,
        querystring: keyQuery({
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          column: { type: 'string', maxLength: 200 },
          value: { type: 'string', maxLength: 1000 },
        }),
        response: { 200: { ...body('Preview'), headers: VERSION_HEADERS }, ...errors(400, 401, 403, 404, 422, 503) },
      },
    },
    async (request, reply) => {
      const { bucket } = request.params as { bucket: Bucket };
      const q = request.query as { key: string; limit: number; column?: string; value?: string };
      const { source, cleanup, format, unreadable, data } = await openObject(bucket, q.key);
      reply.headers(versionHeaders(data));
      const masked = await maskerFor(bucket, q.key);
      try {
        const db = await engine.db();
        const columns = await db.columns(`SELECT * FROM ${source}`);
        let where = '';
        if (q.column !== undefined || q.value !== undefined) {
          if (q.column === undefined || q.value === undefined) throw badRequest('parameters "column" and "value" go together');
          if (!columns.some((c) => c.name === q.column)) throw badRequest(`parameter "column": ${q.column} is not a column of ${q.key} (${columns.map((c) => c.name).join(', ')})`);
          if (masked(q.column) && !canSeePersonal(request)) throw badRequest(`parameter "column": ${q.column} is personal data and cannot be filtered on without an admin API key`);
          // A value compares as the column's type: `abc` on a column of numbers is an error, not an empty answer.
          const type = columns.find((c) => c.name === q.column)!.type;
          if (/CHAR|TEXT|STRING/i.test(type)) where = `WHERE ${id(q.column)} = ?`;
          else {
            // A number as written in decimal: DuckDB's cast rounds 2.5 to an integer 3 and reads 0x2 as 2.
            const integer = /^U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?$/i.test(type);
            const number = integer || /^(DOUBLE|FLOAT|REAL|DECIMAL)/i.test(type);
            // A DECIMAL(18,2) is not matched by 206.175 (the cast would round it): no more decimals than its scale.
            const scale = /^DECIMAL\(\d+,\s*(\d+)\)$/i.exec(type)?.[1];
            const decimals = /\.(\d*?)0*\s*$/.exec(q.value)?.[1]?.length ?? 0;
            const written = !number || ((integer ? /^\s*[+-]?\d+\s*$/ : /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/).test(q.value) && (scale === undefined || decimals <= Number(scale)));
            const [typed] = written ? await db.rows(`SELECT TRY_CAST(? AS ${type}) IS NOT NULL AS ok`, undefined, [q.value]).catch(() => [undefined]) : [undefined];
            if (typed?.['ok'] !== true) throw badRequest(`parameter "value": ${q.value} is not a value of ${q.column}, a column of ${type.toLowerCase()}`);
            where = `WHERE ${id(q.column)} = TRY_CAST(? AS ${type})`;
          }
        }
        // The value is bound, not written into the SQL (a NUL in it cut the statement short: a 500).
        const bound = where ? [q.value!] : undefined;
        const [count] = await db.rows(`SELECT count(*) AS n FROM ${source} ${where}`, undefined, bound);
        const rows = await db.rows(`SELECT * FROM ${source} ${where} LIMIT ${q.limit}`, undefined, bound);
        return { bucket, key: q.key, format, columns, total_rows: count!['n'], rows: canSeePersonal(request) ? rows : rows.map((r) => mask(r, masked)) };
      } catch (err) {
        throw unreadable(err);
      } finally {
        await cleanup();
      }
    },
  );

  app.get(
    '/api/lake/:bucket/download',
    { schema: { summary: 'Download a CSV or Parquet object as CSV', tags: ['lake'], params: bucketParam, querystring: keyQuery(), response: { 200: { description: 'the object as CSV', headers: VERSION_HEADERS, content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors(400, 401, 403, 404, 422, 503) } } },
    async (request, reply) => {
      const { bucket } = request.params as { bucket: Bucket };
      const { key } = request.query as { key: string };
      const { source, format, text, cleanup, unreadable, data } = await openObject(bucket, key);
      reply.headers(versionHeaders(data));
      const masked = await maskerFor(bucket, key);
      let out = path.join(engine.scratchDir, `${randomUUID()}.csv`);
      let sendsText = false;
      try {
        const db = await engine.db();
        const columns = await db.columns(`SELECT * FROM ${source}`);
        const admin = canSeePersonal(request);
        const hidden = (column: string) => masked(column) && !admin;
        // A CSV with nothing to mask is sent as its own lines (UTF-8), the malformed ones too, which a reading leaves out:
        // the user's own file, not made safe for a spreadsheet as the rows the server writes are (docs/api.md).
        sendsText = format === 'csv' && !columns.some((c) => hidden(c.name));
        if (sendsText) out = text;
        else {
          // Rows written anew are made safe for a spreadsheet (csv-cells.ts), the header too (a source's header is its author's text).
          const select = columns.map((c) => `${hidden(c.name) ? str(MASK) : safeColumnSql(id(c.name), c.type)} AS ${id(safeCell(c.name))}`).join(', ');
          await fs.promises.mkdir(engine.scratchDir, { recursive: true });
          await db.copyInOrder(`COPY (SELECT ${select} FROM ${source}) TO ${str(out)} (FORMAT csv, HEADER true)`);
        }
      } catch (err) {
        if (!sendsText) await fs.promises.rm(out, { force: true });
        await cleanup();
        throw unreadable(err);
      }
      if (!sendsText) await cleanup();
      // `achats/month=2026-11/data_0.parquet` → `achats_month_2026-11_data_0.csv`
      const name = `${key.replace(/\.parquet$/i, '').replace(SOURCE_EXTENSION, '')}.csv`.replace(/[^\w.-]/g, '_');
      const stream = fs.createReadStream(out);
      stream.once('close', () => (sendsText ? cleanup() : fs.promises.rm(out, { force: true })).catch(() => undefined));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(stream);
    },
  );

  async function openObject(bucket: Bucket, key: string): Promise<{ source: string; format: 'csv' | 'parquet'; text: string; cleanup: () => Promise<void>; unreadable: (err: unknown) => unknown; data: DataVersion | undefined }> {
    try {
      assertValidKey(key);
    } catch (err) {
      throw badRequest(`parameter "key": ${(err as UserError).message}`);
    }
    const format = formatOf(key);
    if (!format) throw badRequest(`parameter "key": only ${SOURCE_EXTENSIONS_SAID.replace(' and ', ', ')} and .parquet objects can be read as rows (${key})`);
    const { file, data } = await lakeCall(async () => {
      if (!(await lake.head(bucket, key))) throw notFound(`no object ${bucket}/${key}`);
      // The version its rows come from, said in the answer's headers as a KPI's are.
      const data = await versionHolding(lake, bucket, key);
      return { file: await lake.localPath(bucket, key, engine.scratchDir), data };
    });
    const spec = format === 'csv' ? datasetForFile(config.project, key.split('/').at(-1)!) : undefined;
    // A windows-1252 file (not UTF-8, of a dataset reading that encoding) is read from a UTF-8 copy, as silver reads it.
    const encoding = spec?.encoding && !(await isUtf8File(file)) ? spec.encoding : undefined;
    // Line ends of both kinds: read from a copy with LF only, as silver reads it; and without a Ctrl-Z ending it.
    const text = format === 'csv' ? await readableCopy(file, { encoding, mixedLineEnds: await hasMixedLineEnds(file), eofMark: await endsWithEofMark(file) }, path.join(engine.scratchDir, `${randomUUID()}.csv`)) : file;
    // In the file's order: the engine does not keep it unless asked, and a preview shows the first rows.
    const source =
      format === 'parquet'
        ? `(SELECT * EXCLUDE (file_row_number) FROM read_parquet(${str(file)}, hive_partitioning = false, file_row_number = true) ORDER BY file_row_number)`
        : await csvSource(text, spec, key);
    const cleanup = async () => {
      for (const f of new Set([file, text])) if (f.startsWith(engine.scratchDir)) await fs.promises.rm(f, { force: true });
    };
    // DuckDB failing to read the object (garbage named .parquet) is about the object, not the server: said
    // with its key, never with the server's path to it.
    const unreadable = (err: unknown): unknown => {
      if (err instanceof HttpError || err instanceof UserError || !(err instanceof Error) || !READ_ERRORS.test(err.message)) return err;
      const reason = err.message.split('\n')[0]!.replace(READ_ERRORS, '').replaceAll(`"${file}"`, key).replaceAll(`'${file}'`, key).replaceAll(file, key).replaceAll(text, key);
      return unreadableObject(`${key} cannot be read as ${format === 'csv' ? 'CSV' : 'Parquet'}: ${reason}`);
    };
    return { source, format, text, cleanup, unreadable, data };
  }
}

/** DuckDB's errors of reading a file that is not what its name says. */
const READ_ERRORS = /^(IO|Invalid Input|Invalid|Conversion|Serialization) Error: /;

/** A source or bronze CSV read as text, split with its dataset's delimiter, after the lines before its header. */
async function csvSource(file: string, spec: DatasetSpec | undefined, key: string): Promise<string> {
  const delimiter = spec?.delimiter ?? ',';
  const header = spec ? await datasetHeader(file, spec) : await inspectHeader(file, delimiter);
  // A NUL would end the SQL text of the column names: refused, as bronze refuses such a file.
  if (header.some((h) => h.includes('\0'))) throw unreadableObject(`${key} cannot be read as CSV: its first line has NUL bytes (a binary file, or UTF-16 without its byte-order mark)`);
  // Without a header line (`header: false`), the fields are named as the dataset declares them, in order.
  const declared = spec?.headerless ? Object.keys(spec.columns) : [];
  const names = header.map((h, i) => declared[i] ?? (spec?.headerless ? `column_${i + 1}` : h || `column${i + 1}`));
  const columns = `{${names.map((n) => `${str(n)}: 'VARCHAR'`).join(', ')}}`;
  // hive_partitioning off: a bronze key's `ingest_date=...` folder is no column of the file.
  // One thread reads it in order (parallel reading hands out its parts as they come).
  return `read_csv(${str(file)}, ${headerOption(spec)}, all_varchar = true, auto_detect = false, delim = ${str(delimiter)}, ${quoteOptions(quotingOf(spec))}, columns = ${columns}${skipOption(spec?.skipLines)}, ignore_errors = true, hive_partitioning = false, parallel = false)`;
}

function formatOf(key: string): 'csv' | 'parquet' | undefined {
  const lower = key.toLowerCase();
  return lower.endsWith('.parquet') ? 'parquet' : SOURCE_EXTENSION.test(lower) ? 'csv' : undefined;
}
