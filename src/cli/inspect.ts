import Table from 'cli-table3';
import type { Config } from '../config.js';
import { sqlString as str, type Row } from '../engine/duckdb.js';
import { currentVersion, openObjectStore, type Bucket } from '../lake/index.js';
import { SOURCE_EXTENSION } from '../lake/keys.js';
import { RunContext } from '../pipeline/context.js';
import { humanBytes } from './format.js';
import { DATALAKE } from '../command-name.js';

export function rowsTable(rows: Row[], columns?: string[]): string {
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const table = new Table({ head: cols, style: { head: [], border: [] } });
  for (const r of rows) table.push(cols.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))));
  return table.toString();
}

export interface LayerReport {
  bucket: Bucket;
  /** Tables (a folder of data files, e.g. `achats/` with its month partitions) or single objects. */
  objects: { key: string; size: number; files: number; rows?: number; schema?: { name: string; type: string }[]; sample?: Row[] }[];
}

/**
 * The table an object belongs to: the folder above its first `name=value` partition folder, or its
 * folder; top-level objects stand alone. `achats/month=2026-11/<run>-data_0.parquet` → `achats/`.
 */
export function tableOf(key: string): string {
  const parts = key.split('/');
  const hive = parts.findIndex((p) => p.includes('='));
  if (hive > 0) return `${parts.slice(0, hive).join('/')}/`;
  return parts.length > 1 ? `${parts.slice(0, -1).join('/')}/` : key;
}

/** What a layer holds, like the seed's verify scripts: tables and objects, sizes, row counts, schema and a sample. */
export async function inspectLayer(config: Config, bucket: Bucket, sampleRows = 5): Promise<LayerReport> {
  const lake = openObjectStore(config);
  const ctx = new RunContext(config, lake, undefined, `verify-${process.pid}`);
  try {
    const db = await ctx.db();
    const downloads = await ctx.workDir('verify');
    const report: LayerReport = { bucket, objects: [] };
    const groups = new Map<string, { format: 'parquet' | 'csv' | undefined; keys: string[]; size: number }>();
    // Bronze, silver and gold as the current version has them: objects of runs that did not commit,
    // or of earlier versions only, are not part of it.
    const version = bucket === 'bronze' || bucket === 'silver' || bucket === 'gold' ? await currentVersion(lake) : undefined;
    const inVersion = version ? new Set(Object.values(version.tables).filter((t) => t.bucket === bucket).flatMap((t) => t.objects)) : undefined;
    for (const o of await lake.list(bucket)) {
      if (inVersion && !inVersion.has(o.key)) continue;
      const lower = o.key.toLowerCase();
      const format = lower.endsWith('.parquet') ? 'parquet' : SOURCE_EXTENSION.test(lower) ? 'csv' : undefined;
      const table = format ? tableOf(o.key) : o.key;
      const g = groups.get(`${table}|${format}`) ?? { format, keys: [], size: 0 };
      g.keys.push(o.key);
      g.size += o.size;
      groups.set(`${table}|${format}`, g);
    }
    for (const [id, g] of groups) {
      const key = id.slice(0, id.lastIndexOf('|'));
      if (!g.format) {
        report.objects.push({ key, size: g.size, files: 1 });
        continue;
      }
      const files: string[] = [];
      for (const k of g.keys) files.push(await lake.localPath(bucket, k, downloads));
      const list = `[${files.map(str).join(', ')}]`;
      // A dataset's files without a header line (`header: false`): their fields under the declared names.
      const headerless = bucket === 'bronze' ? config.project.datasets.find((d) => d.headerless && key.startsWith(`${d.name}/`)) : undefined;
      const names = headerless ? `, names = [${Object.keys(headerless.columns).map(str).join(', ')}]` : '';
      const source =
        g.format === 'csv'
          ? `read_csv(${list}, header = ${headerless ? 'false' : 'true'}${names}, all_varchar = true, ignore_errors = true, union_by_name = true)`
          : `read_parquet(${list}, hive_partitioning = false, union_by_name = true)`;
      const [count] = await db.rows(`SELECT count(*) AS n FROM ${source}`);
      report.objects.push({
        key,
        size: g.size,
        files: g.keys.length,
        rows: Number(count!['n']),
        schema: await db.columns(`SELECT * FROM ${source}`),
        sample: await db.rows(`SELECT * FROM ${source} LIMIT ${sampleRows}`),
      });
    }
    return report;
  } finally {
    await ctx.close();
  }
}

export function renderLayer(report: LayerReport): string {
  if (report.objects.length === 0) return `${report.bucket}: empty (run \`${DATALAKE} run\` first)`;
  const out: string[] = [`${report.bucket}: ${report.objects.length} tables and objects`];
  for (const o of report.objects) {
    out.push('', `■ ${report.bucket}/${o.key}${o.files > 1 ? ` (${o.files} files)` : ''}  ${humanBytes(o.size)}${o.rows !== undefined ? `  ${o.rows} rows` : ''}`);
    if (o.schema) out.push(`  schema: ${o.schema.map((c) => `${c.name} ${c.type}`).join(', ')}`);
    if (o.sample && o.sample.length) out.push(rowsTable(o.sample));
  }
  return out.join('\n');
}
