import Table from 'cli-table3';
import type { Config } from '../config.js';
import { sqlString as str, type Row } from '../engine/duckdb.js';
import { openObjectStore, type Bucket } from '../lake/index.js';
import { RunContext } from '../pipeline/context.js';
import type { Kpi } from '../registry/kpi.js';
import { humanBytes } from './format.js';

export function rowsTable(rows: Row[], columns?: string[]): string {
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const table = new Table({ head: cols, style: { head: [], border: [] } });
  for (const r of rows) table.push(cols.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))));
  return table.toString();
}

export interface LayerReport {
  bucket: Bucket;
  objects: { key: string; size: number; rows?: number; schema?: { name: string; type: string }[]; sample?: Row[] }[];
}

/** What a layer holds, like the seed's verify scripts: objects, sizes, row counts, schema and a sample. */
export async function inspectLayer(config: Config, bucket: Bucket, sampleRows = 5): Promise<LayerReport> {
  const store = openObjectStore(config);
  const ctx = new RunContext(config, store, undefined, `verify-${process.pid}`);
  try {
    const db = await ctx.db();
    const downloads = await ctx.workDir('verify');
    const report: LayerReport = { bucket, objects: [] };
    for (const o of await store.list(bucket)) {
      const reader = o.key.endsWith('.parquet') ? 'read_parquet' : o.key.endsWith('.csv') ? 'read_csv' : undefined;
      if (!reader) {
        report.objects.push({ key: o.key, size: o.size });
        continue;
      }
      const file = await store.localPath(bucket, o.key, downloads);
      const source = reader === 'read_csv' ? `read_csv(${str(file)}, header = true, all_varchar = true, ignore_errors = true)` : `read_parquet(${str(file)})`;
      const [count] = await db.rows(`SELECT count(*) AS n FROM ${source}`);
      report.objects.push({
        key: o.key,
        size: o.size,
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
  if (report.objects.length === 0) return `${report.bucket}: empty (run \`npx datalake run\` first)`;
  const out: string[] = [`${report.bucket}: ${report.objects.length} objects`];
  for (const o of report.objects) {
    out.push('', `■ ${report.bucket}/${o.key}  ${humanBytes(o.size)}${o.rows !== undefined ? `  ${o.rows} rows` : ''}`);
    if (o.schema) out.push(`  schema: ${o.schema.map((c) => `${c.name} ${c.type}`).join(', ')}`);
    if (o.sample && o.sample.length) out.push(rowsTable(o.sample));
  }
  return out.join('\n');
}

export function renderKpiList(kpis: Kpi[]): string {
  const table = new Table({ head: ['id', 'title', 'columns', 'chart', 'gold object'], style: { head: [], border: [] }, wordWrap: true });
  for (const k of kpis) {
    table.push([k.id, k.title.fr, Object.entries(k.columns).map(([n, c]) => `${n}:${c.type}`).join(', '), k.chart.type, `gold/${k.table}.parquet`]);
  }
  return table.toString();
}
