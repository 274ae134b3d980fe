import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { openObjectStore, type ObjectStore } from '../../src/lake/index.js';
import { runCommit } from '../../src/pipeline/commit.js';
import { RunContext } from '../../src/pipeline/context.js';

/**
 * A project small enough to check each stage's output by hand: customers and their orders (orders
 * partitioned by month and referencing customers), one partitioned model and one KPI.
 */
export const TINY_FILES: Record<string, string> = {
  'datalake.yml': 'name: tiny\ntitle: { fr: Petit, en: Tiny }\n',
  'datasets/customers.yml': `description: Customers.
files: "customers*.csv"
key: id
columns:
  id: { type: integer, required: true }
  name: { type: text, required: true }
  country: text
rules:
  - { rule: not_empty, severity: fatal }
`,
  'datasets/orders.yml': `description: Orders.
files: "orders*.csv"
key: order_id
columns:
  order_id: { type: integer, required: true }
  customer_id: { type: integer, required: true }
  day: { type: date, required: true }
  amount: { type: decimal, scale: 2, required: true }
references:
  - { column: customer_id, dataset: customers, severity: error }
partition_by: { column: day, grain: month }
rules:
  - { rule: positive, column: amount, severity: error }
`,
  'models/fact_orders.sql': 'SELECT o.order_id, o.day, o.amount, c.country\nFROM orders o\nLEFT JOIN customers c ON c.id = o.customer_id\n',
  'models/fact_orders.yml': 'description: Orders with their country.\npartitioned_by: orders\n',
  'kpis/revenue_by_country.yml': `title: { fr: CA par pays, en: Revenue by country }
description: Orders and revenue per country.
sql: |
  SELECT country, count(*) AS orders, sum(amount)::DOUBLE AS revenue
  FROM fact_orders GROUP BY country ORDER BY country
columns:
  country: { type: string, label: { fr: Pays, en: Country } }
  orders: { type: integer, label: { fr: Commandes, en: Orders } }
  revenue: { type: number, label: { fr: CA, en: Revenue } }
chart: { type: table }
`,
};

/** A KPI to add to the tiny project: its orders counted. */
export const ORDER_COUNT_KPI = `title: { fr: Commandes, en: Orders }
description: How many orders.
sql: SELECT count(*) AS n FROM fact_orders
columns:
  n: { type: integer, label: Orders }
chart: { type: table }
`;

export interface Tiny {
  dir: string;
  config: Config;
  lake: ObjectStore;
  /** Drops a source file, as a user copies an export into sources/. */
  drop(name: string, text: string): Promise<void>;
  /** A run context for calling one stage directly; close it after. */
  context(): RunContext;
  /** Runs stages in one run context, then commits what they changed, as a flow would. */
  commitAfter<T>(stages: (ctx: RunContext) => Promise<T>): Promise<T>;
  cleanup(): Promise<void>;
}

/** The tiny project; `files` adds or replaces some of its files (path in the project → content). */
export async function tinyProject(files: Record<string, string> = {}): Promise<Tiny> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-tiny-'));
  for (const [file, text] of Object.entries({ ...TINY_FILES, ...files })) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), text);
  }
  await fs.mkdir(path.join(dir, 'sources'));
  const config = loadConfig({ DATALAKE_PROJECT: dir, DUCKDB_THREADS: '1', TASK_RETRY_DELAY_MS: '50' });
  const lake = openObjectStore(config);
  await lake.ensureBuckets();
  return {
    dir,
    config,
    lake,
    drop: (name, text) => fs.writeFile(path.join(dir, 'sources', name), text),
    context: () => new RunContext(config, lake),
    commitAfter: async (stages) => {
      const ctx = new RunContext(config, lake);
      try {
        const result = await stages(ctx);
        await runCommit(ctx);
        return result;
      } finally {
        await ctx.close();
      }
    },
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
