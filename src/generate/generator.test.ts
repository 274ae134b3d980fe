import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { shopDataset } from '../../test/support/shop.js';
import { readSimpleCsv } from '../../test/support/csv.js';
import { generate } from './generator.js';

let dir: string;
before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gen-'))));
after(async () => fs.rm(dir, { recursive: true, force: true }));
const asOf = new Date('2026-11-27T00:00:00Z');

test('the seed defaults: 1500 clients and 1 to 30 purchases each, with the seed columns and domains', async () => {
  const out = path.join(dir, 'default');
  await generate({ outDir: out, asOf });
  const clients = await readSimpleCsv(path.join(out, 'clients.csv'));
  const achats = await readSimpleCsv(path.join(out, 'achats.csv'));
  assert.equal(clients.length, 1500);
  assert.deepEqual(Object.keys(clients[0]!), ['id_client', 'nom', 'email', 'date_inscription', 'pays']);
  assert.deepEqual(Object.keys(achats[0]!), ['id_achat', 'id_client', 'date_achat', 'montant', 'produit']);
  assert.ok(achats.length >= 1500 && achats.length <= 45_000);
  assert.ok(Math.abs(achats.length / 1500 - 15.5) < 1, `about 15 purchases per client, got ${achats.length / 1500}`);

  const threeYearsAgo = '2023-11-28';
  for (const c of clients) {
    assert.ok(shopDataset('clients').columns['pays']!.allowed!.includes(c['pays']!), c['pays']);
    assert.match(c['date_inscription']!, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(c['date_inscription']! >= threeYearsAgo && c['date_inscription']! <= '2026-11-27');
    assert.match(c['email']!, /^[a-z.]+\d+@example\.com$/);
  }
  const perClient = new Map<string, number>();
  for (const a of achats) {
    assert.ok(shopDataset('achats').columns['produit']!.allowed!.includes(a['produit']!), a['produit']);
    assert.match(a['montant']!, /^\d+\.\d{2}$/);
    const m = Number(a['montant']);
    assert.ok(m >= 10 && m <= 500, a['montant']);
    assert.match(a['date_achat']!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.ok(a['date_achat']! >= '2025-11-27' && a['date_achat']! < '2026-11-27', a['date_achat']);
    perClient.set(a['id_client']!, (perClient.get(a['id_client']!) ?? 0) + 1);
  }
  assert.equal(perClient.size, 1500);
  assert.ok([...perClient.values()].every((n) => n >= 1 && n <= 30));
  assert.deepEqual(achats.map((a) => Number(a['id_achat'])), achats.map((_, i) => i + 1));
});

test('the same seed gives the same files; another seed other files', async () => {
  const read = async (seed: number, name: string) => {
    const out = path.join(dir, name);
    await generate({ outDir: out, clients: 50, achats: 2000, seed, asOf });
    return fs.readFile(path.join(out, 'achats.csv'), 'utf8');
  };
  const a = await read(5, 'a');
  assert.equal(await read(5, 'b'), a);
  assert.notEqual(await read(6, 'c'), a);
});

test('--achats gives exactly that many purchases over the given clients', async () => {
  const out = path.join(dir, 'exact');
  const result = await generate({ outDir: out, clients: 10, achats: 12_345, asOf });
  assert.deepEqual(result.files.map((f) => f.rows), [10, 12_345]);
  const achats = await readSimpleCsv(path.join(out, 'achats.csv'));
  assert.equal(achats.length, 12_345);
  assert.ok(achats.every((a) => Number(a['id_client']) >= 1 && Number(a['id_client']) <= 10));
  const { size } = await fs.stat(path.join(out, 'achats.csv'));
  assert.equal(result.files[1]!.bytes, size);
});

test('a dirty rate injects every kind of defect and logs each one', async () => {
  const out = path.join(dir, 'dirty');
  const log = path.join(dir, 'defects.jsonl');
  const result = await generate({ outDir: out, clients: 2000, achats: 20_000, dirtyRate: 0.1, asOf, defectsLog: log });
  const defects = (await fs.readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(defects.length, result.defects);
  const kinds = new Set(defects.map((d) => `${d.dataset}:${d.defect}`));
  for (const k of [
    'clients:spaces', 'clients:country_case', 'clients:date_format', 'clients:missing_email', 'clients:exact_duplicate', 'clients:blank_line',
    'clients:missing_pays', 'clients:bad_date', 'clients:duplicate_key', 'clients:bad_id',
    'achats:spaces', 'achats:product_case', 'achats:date_format', 'achats:decimal_comma', 'achats:exact_duplicate', 'achats:blank_line',
    'achats:missing_produit', 'achats:bad_date', 'achats:bad_montant', 'achats:negative_montant', 'achats:zero_montant', 'achats:orphan_client', 'achats:duplicate_key', 'achats:huge_montant', 'achats:implausible_date',
  ]) {
    assert.ok(kinds.has(k), `no ${k} defect`);
  }
  const achatDefects = defects.filter((d) => d.dataset === 'achats').length;
  assert.ok(Math.abs(achatDefects / 20_000 - 0.1) < 0.02, `rate ${achatDefects / 20_000}`);
  const text = await fs.readFile(path.join(out, 'achats.csv'), 'utf8');
  assert.ok(text.includes('\n\n'), 'blank lines');
  assert.match(text, /"\d+,\d{2}"/);
  // The rows said are the files' records as bronze counts them: duplicates twice, blank lines not at all.
  for (const f of result.files) {
    const records = (await fs.readFile(f.path, 'utf8')).split('\n').filter((l) => l !== '').length - 1;
    assert.equal(f.rows, records, f.dataset);
  }
});
