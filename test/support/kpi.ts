import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config.js';
import { openServingStore } from '../../src/serving/index.js';
import { Engine, sqlIdent, sqlString as str, type Row } from '../../src/engine/duckdb.js';
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

/** Runs one of the shop's KPIs, through the models it reads, over the given purchases (dbt-style given rows → expected rows). */
export async function runKpi(id: string, facts: FactRow[]): Promise<Row[]> {
  const project = loadProject(BUILT_IN_PROJECT, { builtIn: true });
  const kpi = findKpi(project, id);
  const engine = await Engine.open({ threads: 1, memoryLimit: '256MB' }, path.join(os.tmpdir(), 'datalake-kpi-test-spill'));
  try {
    // The silver datasets the rows imply (a customer per id_client, else per purchase, with its country), then every model
    // of the project over them in build order (a partitioned one over all its partitions at once), then the KPI.
    await engine.run(`CREATE TABLE achats (id_achat BIGINT, id_client BIGINT, date_achat TIMESTAMP, montant DECIMAL(18,2), produit VARCHAR)`);
    await engine.run(`CREATE TABLE clients (id_client BIGINT, nom VARCHAR, email VARCHAR, date_inscription DATE, pays VARCHAR)`);
    if (facts.length) {
      const customers = new Map(facts.map((f, i) => [f.id_client ?? 1000 + i, f.pays]));
      await engine.run(`INSERT INTO achats VALUES ${facts.map((f, i) => `(${f.id_achat}, ${f.id_client ?? 1000 + i}, TIMESTAMP ${str(f.date_achat)}, ${f.montant}::DECIMAL(18,2), ${str(f.produit ?? 'Phone')})`).join(', ')}`);
      await engine.run(`INSERT INTO clients VALUES ${[...customers].map(([c, pays]) => `(${c}, 'Client ${c}', NULL, DATE '2025-01-01', ${str(pays)})`).join(', ')}`);
    }
    for (const model of project.models) await engine.run(`CREATE TABLE ${sqlIdent(model.name)} AS ${model.sql}`);
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
