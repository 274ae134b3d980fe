import { SqliteServingStore } from '../../src/serving/sqlite.js';

/**
 * Reads KPI tables in a loop from its own process while the main thread publishes, and reports
 * every distinct shape it saw: "<table>:<rows>:<markers>".
 */
const { file, tables, until } = JSON.parse(process.argv[2]!) as { file: string; tables: string[]; until: number };
const store = new SqliteServingStore(file);
const seen = new Set<string>();
let reads = 0;
while (Date.now() < until) {
  for (const t of tables) {
    const rows = await store.read(t);
    const markers = [...new Set((rows ?? []).map((r) => r['label']))].sort().join('');
    seen.add(`${t}:${rows?.length ?? 'none'}:${markers}`);
    reads++;
  }
}
await store.close();
process.stdout.write(JSON.stringify({ seen: [...seen], reads }));
