import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config.js';
import { openServingStore } from '../../src/serving/index.js';
import { Engine, sqlString as str, type Row } from '../../src/engine/duckdb.js';
import { checkKpiOutput } from '../../src/project/kpi-output.js';
import { findKpi } from '../../src/project/kpis.js';
import { loadProject } from '../../src/project/load.js';
import { BUILT_IN_PROJECT } from '../../src/project/resolve.js';

export interface FactRow {
  id_achat: number;
  date_achat: string;
  montant: number;
  pays: string;
  produit?: string;
  id_client?: number;
}

/** Runs one of the shop's KPIs over the given fact_achats rows (dbt-style given rows → expected rows). */
export async function runKpi(id: string, facts: FactRow[]): Promise<Row[]> {
  const kpi = findKpi(loadProject(BUILT_IN_PROJECT, { builtIn: true }), id);
  const engine = await Engine.open({ threads: 1, memoryLimit: '256MB' }, path.join(os.tmpdir(), 'datalake-kpi-test-spill'));
  try {
    const values = facts
      .map((f) => `(${f.id_achat}, ${f.id_client ?? 1}, TIMESTAMP ${str(f.date_achat)}, ${f.montant}::DECIMAL(18,2), ${str(f.produit ?? 'Phone')}, ${str(f.pays)})`)
      .join(', ');
    await engine.run(`CREATE TABLE fact_achats (id_achat BIGINT, id_client BIGINT, date_achat TIMESTAMP, montant DECIMAL(18,2), produit VARCHAR, pays VARCHAR)`);
    if (facts.length) await engine.run(`INSERT INTO fact_achats VALUES ${values}`);
    checkKpiOutput(kpi, await engine.columns(kpi.sql));
    return await engine.rows(kpi.sql);
  } finally {
    engine.close();
  }
}

/** A small month of purchases used by several KPI tests. */
export const SAMPLE_FACTS: FactRow[] = [
  { id_achat: 1, date_achat: '2026-01-30 09:00:00', montant: 100.0, pays: 'France' },
  { id_achat: 2, date_achat: '2026-01-30 18:30:00', montant: 50.5, pays: 'Spain' },
  { id_achat: 3, date_achat: '2026-02-02 10:00:00', montant: 20.25, pays: 'France' },
  { id_achat: 4, date_achat: '2026-02-03 11:00:00', montant: 79.75, pays: 'France' },
  { id_achat: 5, date_achat: '2026-03-15 12:00:00', montant: 10.0, pays: 'Spain' },
];

/** Every KPI table of the project as its serving store holds it now. */
export async function publishedKpis(config: Config): Promise<Record<string, unknown>> {
  const serving = openServingStore(config);
  try {
    const out: Record<string, unknown> = {};
    for (const kpi of config.project.kpis) out[kpi.table] = await serving.read(kpi.table);
    return out;
  } finally {
    await serving.close();
  }
}
