import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { KpiSchema, checkKpiOutput, loadKpis, type Kpi } from './kpi.js';
import { loadDefinitionFolder } from './load-folder.js';

test('the registry loads every KPI of src/kpis, with ids from the file names', async () => {
  const kpis = await loadKpis();
  const ids = ['ca_par_pays', 'croissance', 'distribution', 'histogramme_montants', 'volumes_jour', 'volumes_mois', 'volumes_semaine'];
  assert.deepEqual(kpis.map((k) => k.id), ids);
  assert.deepEqual(kpis.map((k) => k.table), ids.map((id) => `kpi_${id}`));
});

async function folderWith(files: Record<string, string>): Promise<URL> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kpis-'));
  for (const [name, body] of Object.entries(files)) await fs.writeFile(path.join(dir, name), body);
  return pathToFileURL(dir + '/');
}

const ext = path.extname(new URL(import.meta.url).pathname); // .ts under tsx

test('a bad definition fails at load time, naming the file and the field', async () => {
  const good = `export default { title: { fr: 'A', en: 'A' }, description: 'd', sql: 'SELECT 1 AS a', columns: { a: { type: 'integer', label: { fr: 'a', en: 'a' } } }, chart: { type: 'bar', x: 'a', y: ['a'] } };`;
  const folder = await folderWith({ [`good${ext}`]: good });
  assert.equal((await loadDefinitionFolder(folder, KpiSchema, 'KPI')).size, 1);

  const badType = await folderWith({ [`broken${ext}`]: good.replace("type: 'integer'", "type: 'int'") });
  await assert.rejects(loadDefinitionFolder(badType, KpiSchema, 'KPI'), /KPI .*broken\.ts: field "columns\.a\.type"/);

  const badChart = await folderWith({ [`chart${ext}`]: good.replace("x: 'a'", "x: 'pays'") });
  await assert.rejects(loadDefinitionFolder(badChart, KpiSchema, 'KPI'), /chart\.ts: field "chart\.x": "pays" is not one of the declared columns \(a\)/);

  const noDefault = await folderWith({ [`empty${ext}`]: 'export const x = 1;' });
  await assert.rejects(loadDefinitionFolder(noDefault, KpiSchema, 'KPI'), /empty\.ts: no default export/);

  const badName = await folderWith({ [`Bad-Name${ext}`]: good });
  await assert.rejects(loadDefinitionFolder(badName, KpiSchema, 'KPI'), /Bad-Name\.ts: the file name must be snake_case/);
});

test('a KPI whose SQL does not return its declared columns is reported by name', () => {
  const kpi = { id: 'demo', columns: { pays: { type: 'string' }, ca: { type: 'number' } } } as unknown as Kpi;
  assert.doesNotThrow(() => checkKpiOutput(kpi, [{ name: 'pays', type: 'VARCHAR' }, { name: 'ca', type: 'DOUBLE' }]));
  assert.throws(() => checkKpiOutput(kpi, [{ name: 'pays', type: 'VARCHAR' }]), /KPI src\/kpis\/demo: its SQL returns columns \(pays\) but it declares \(pays, ca\)/);
  assert.throws(() => checkKpiOutput(kpi, [{ name: 'pays', type: 'INTEGER' }, { name: 'ca', type: 'DOUBLE' }]), /column "pays" is declared string but its SQL returns INTEGER/);
});
