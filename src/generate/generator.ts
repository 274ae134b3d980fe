import { createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { FIRST_NAMES, LAST_NAMES } from './names.js';
import { Random } from './random.js';
import { makeFolder } from '../folders.js';

/**
 * Sample sources like the seed's generator: clients.csv and achats.csv with the seed's columns, formats
 * and value domains. Streams rows to disk in chunks, so 10M purchases never sit in memory.
 *
 * With a dirty rate, realistic defects are injected; when `defectsLog` is given each one is recorded
 * (dataset, key, defect, expected outcome) so that tests can check the pipeline against ground truth.
 */
export interface GenerateOptions {
  outDir: string;
  clients?: number;
  /** Exact number of purchases; by default each client gets 1..30 like the seed. */
  achats?: number;
  seed?: number;
  dirtyRate?: number;
  /** Dates are drawn relative to this day (default: today, UTC). */
  asOf?: Date;
  defectsLog?: string;
  onProgress?: (p: { dataset: string; rows: number; total: number | undefined }) => void;
}

export interface GenerateResult {
  /** `rows`: the file's records, as bronze counts them (an exact duplicate twice, a blank line not at all). */
  files: { dataset: string; path: string; rows: number; bytes: number }[];
  defects: number;
}

export type Outcome = 'kept' | 'dropped' | 'quarantined';
export interface DefectRecord {
  dataset: 'clients' | 'achats';
  key: string;
  defect: string;
  outcome: Outcome;
  /** Expected quarantine reason code, for outcome "quarantined". */
  reason?: string;
}

/** The seed's value domains (the shop's allowed countries and products, examples/shop/datasets/). */
const COUNTRIES = ['France', 'Germany', 'Spain', 'Italy', 'Belgium', 'Netherland', 'Switzerland', 'UK', 'Canada'] as const;
const PRODUCTS = ['Laptop', 'Phone', 'Tablet', 'Headphones', 'Monitor', 'Keyboard', 'Mouse', 'Webcam', 'Speaker', 'Charger'] as const;

const DAY_MS = 86_400_000;
const CHUNK_CHARS = 1 << 20;
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

class ChunkedWriter {
  private buffer = '';
  bytes = 0;
  /** The stream's error (a path that is a folder, a disk full): thrown at the next flush, not left unhandled. */
  private failed: Error | undefined;
  constructor(private readonly stream: WriteStream) {
    stream.on('error', (err) => (this.failed ??= err));
  }
  /** Buffers text; returns true when the caller should `await flush()` before writing more. */
  push(text: string): boolean {
    this.buffer += text;
    return this.failed !== undefined || this.buffer.length >= CHUNK_CHARS;
  }
  async write(text: string): Promise<void> {
    if (this.push(text)) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.buffer) return;
    const chunk = this.buffer;
    this.buffer = '';
    this.bytes += Buffer.byteLength(chunk);
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

class DefectLog {
  private readonly writer: ChunkedWriter | undefined;
  count = 0;
  constructor(file: string | undefined) {
    this.writer = file ? new ChunkedWriter(createWriteStream(file)) : undefined;
  }
  /** Returns true when the log wants a flush. */
  add(d: DefectRecord): boolean {
    this.count++;
    return this.writer ? this.writer.push(JSON.stringify(d) + '\n') : false;
  }
  async flush(): Promise<void> {
    await this.writer?.flush();
  }
  async close(): Promise<void> {
    await this.writer?.close();
  }
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function dayMonthYear(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

function caseVariant(random: Random, value: string): string {
  return random.next() < 0.5 ? value.toUpperCase() : value.toLowerCase();
}

function formatCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${PAD2[cents % 100]}`;
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const clientCount = options.clients ?? 1500;
  const random = new Random(options.seed ?? 42);
  const dirtyRate = options.dirtyRate ?? 0;
  const asOf = new Date(Math.floor((options.asOf ?? new Date()).getTime() / DAY_MS) * DAY_MS);
  // days[i] = the day i days before asOf; 3 years covers sign-up dates, the last 365 days purchases.
  const days = Array.from({ length: 3 * 365 + 1 }, (_, i) => isoDay(new Date(asOf.getTime() - i * DAY_MS)));
  await makeFolder(options.outDir);
  const log = new DefectLog(options.defectsLog);
  const dirty = () => dirtyRate > 0 && random.next() < dirtyRate;

  // Written under temporary names and renamed at the end: a killed run never leaves half a source file.
  const clientsTmp = path.join(options.outDir, `.clients.csv.${process.pid}.tmp`);
  const achatsTmp = path.join(options.outDir, `.achats.csv.${process.pid}.tmp`);
  try {
    const clientRows = await writeClients();
    const achatRows = await writeAchats(clientRows.maxId);
    await log.close();
    const clientsPath = path.join(options.outDir, 'clients.csv');
    const achatsPath = path.join(options.outDir, 'achats.csv');
    await fs.rename(clientsTmp, clientsPath);
    await fs.rename(achatsTmp, achatsPath);
    return {
      files: [
        { dataset: 'clients', path: clientsPath, rows: clientRows.rows, bytes: clientRows.bytes },
        { dataset: 'achats', path: achatsPath, rows: achatRows.rows, bytes: achatRows.bytes },
      ],
      defects: log.count,
    };
  } catch (err) {
    await Promise.all([fs.rm(clientsTmp, { force: true }), fs.rm(achatsTmp, { force: true })]);
    throw err;
  }

  async function writeClients(): Promise<{ rows: number; bytes: number; maxId: number }> {
    const out = new ChunkedWriter(createWriteStream(clientsTmp));
    options.onProgress?.({ dataset: 'clients', rows: 0, total: clientCount });
    await out.write('id_client,nom,email,date_inscription,pays\n');
    let rows = 0;
    const clientRow = (id: number) => {
      const first = random.pick(FIRST_NAMES);
      const last = random.pick(LAST_NAMES);
      return [String(id), `${first} ${last}`, `${first}.${last}${id}@example.com`.toLowerCase(), days[random.int(0, 3 * 365)]!, random.pick(COUNTRIES)];
    };
    for (let id = 1; id <= clientCount; id++) {
      const f = clientRow(id);
      let line: string;
      if (dirty()) {
        const defect = random.pick(['spaces', 'country_case', 'date_format', 'missing_email', 'exact_duplicate', 'blank_line'] as const);
        if (defect === 'spaces') f.forEach((v, i) => (f[i] = `  ${v} `));
        if (defect === 'country_case') f[4] = caseVariant(random, f[4]!);
        if (defect === 'date_format') f[3] = dayMonthYear(f[3]!);
        if (defect === 'missing_email') f[2] = '';
        line = f.join(',') + '\n';
        if (defect === 'exact_duplicate') line += line;
        if (defect === 'blank_line') line += '\n';
        // The file's records, as bronze counts them: an exact duplicate is two (silver drops one), a blank line none.
        rows += defect === 'exact_duplicate' ? 2 : 1;
        if (log.add({ dataset: 'clients', key: String(id), defect, outcome: defect === 'exact_duplicate' ? 'dropped' : 'kept' })) await log.flush();
      } else {
        line = f.join(',') + '\n';
        rows++;
      }
      await out.write(line);
      if (rows % 100_000 === 0) options.onProgress?.({ dataset: 'clients', rows, total: clientCount });
    }
    // Rows that cannot be repaired come after the real customers, with ids no purchase refers to
    // (or, for conflicting duplicates, a repeated id), so that quarantining them loses no purchase.
    let nextId = clientCount + 1;
    const extras = Math.round(clientCount * dirtyRate);
    for (let k = 0; k < extras; k++) {
      const defect = random.pick(['missing_pays', 'bad_date', 'duplicate_key', 'bad_id'] as const);
      const id = defect === 'duplicate_key' ? random.int(1, clientCount) : nextId++;
      const f = clientRow(id);
      let key = String(id);
      let reason: string;
      if (defect === 'missing_pays') {
        f[4] = '';
        reason = 'missing_value:pays';
      } else if (defect === 'bad_date') {
        f[3] = random.pick(['2024-02-31', 'hier', '31/31/2023', '2023-13-01']);
        reason = 'invalid_date:date_inscription';
      } else if (defect === 'duplicate_key') {
        f[1] = `${f[1]} Bis`;
        reason = 'duplicate_key:id_client';
      } else {
        key = `C${id}`;
        f[0] = key;
        reason = 'invalid_integer:id_client';
      }
      await out.write(f.join(',') + '\n');
      rows++;
      if (log.add({ dataset: 'clients', key, defect, outcome: 'quarantined', reason })) await log.flush();
    }
    await out.close();
    options.onProgress?.({ dataset: 'clients', rows, total: rows });
    return { rows, bytes: out.bytes, maxId: nextId - 1 };
  }

  async function writeAchats(maxClientId: number): Promise<{ rows: number; bytes: number }> {
    const out = new ChunkedWriter(createWriteStream(achatsTmp));
    await out.write('id_achat,id_client,date_achat,montant,produit\n');
    let rows = 0;
    let idAchat = 0;
    let orphanId = maxClientId;
    const total = options.achats;
    options.onProgress?.({ dataset: 'achats', rows: 0, total });

    // Synchronous per row (an await per row would cost more than the row itself); flushes happen per chunk.
    const emit = (idClient: number): boolean => {
      idAchat++;
      const secondOfDay = random.int(0, 86_399);
      const h = Math.floor(secondOfDay / 3600);
      const m = Math.floor((secondOfDay % 3600) / 60);
      const day = days[random.int(1, 365)]!;
      const dateAchat = `${day} ${PAD2[h]}:${PAD2[m]}:${PAD2[secondOfDay % 60]}`;
      const cents = random.int(1000, 50_000);
      const produit = random.pick(PRODUCTS);
      if (!dirty()) {
        rows++;
        return out.push(`${idAchat},${idClient},${dateAchat},${formatCents(cents)},${produit}\n`);
      }
      return emitDirty(idClient, dateAchat, cents, produit);
    };

    const emitDirty = (idClient: number, dateAchat: string, cents: number, produit: string): boolean => {
      const defect = random.pick([
        'spaces', 'product_case', 'date_format', 'decimal_comma', 'exact_duplicate', 'blank_line',
        'missing_produit', 'bad_date', 'bad_montant', 'negative_montant', 'zero_montant', 'orphan_client', 'duplicate_key',
        'huge_montant', 'implausible_date',
      ] as const);
      const f = [String(idAchat), String(idClient), dateAchat, formatCents(cents), produit];
      const key = String(idAchat);
      let outcome: Outcome = 'kept';
      let reason: string | undefined;
      let extra = '';
      switch (defect) {
        case 'spaces': f.forEach((v, i) => (f[i] = ` ${v}  `)); break;
        case 'product_case': f[4] = caseVariant(random, produit); break;
        case 'date_format': f[2] = `${dayMonthYear(dateAchat.slice(0, 10))}${dateAchat.slice(10)}`; break;
        case 'decimal_comma': f[3] = `"${f[3]!.replace('.', ',')}"`; break;
        case 'exact_duplicate': outcome = 'dropped'; break;
        case 'blank_line': extra = '\n'; break;
        case 'missing_produit': f[4] = ''; outcome = 'quarantined'; reason = 'missing_value:produit'; break;
        case 'bad_date': f[2] = random.pick(['2025-02-30 10:00:00', 'yesterday', '2025-13-01 12:00:00', '12:00:00']); outcome = 'quarantined'; reason = 'invalid_date:date_achat'; break;
        case 'bad_montant': f[3] = random.pick(['abc', 'N/A', '12.5.1', '€']); outcome = 'quarantined'; reason = 'invalid_number:montant'; break;
        case 'negative_montant': f[3] = `-${f[3]}`; outcome = 'quarantined'; reason = 'not_positive:montant'; break;
        case 'zero_montant': f[3] = random.pick(['0', '0.00']); outcome = 'quarantined'; reason = 'not_positive:montant'; break;
        case 'orphan_client': f[1] = String(++orphanId); outcome = 'quarantined'; reason = 'unknown_reference:id_client'; break;
        case 'huge_montant': f[3] = random.pick(['25000.00', '999999.99']); outcome = 'quarantined'; reason = 'above_maximum:montant'; break;
        case 'implausible_date': f[2] = random.pick(['1999-12-31 12:00:00', '1970-01-01 00:00:00', '2099-01-01 10:00:00']); outcome = 'quarantined'; reason = 'implausible_date:date_achat'; break;
        case 'duplicate_key': extra = [f[0], f[1], f[2], formatCents(cents === 50_000 ? cents - 1 : cents + 1), f[4]].join(',') + '\n'; outcome = 'quarantined'; reason = 'duplicate_key:id_achat'; break;
      }
      let line = f.join(',') + '\n';
      if (defect === 'exact_duplicate') line += line;
      rows += defect === 'exact_duplicate' || defect === 'duplicate_key' ? 2 : 1;
      const logFull = log.add({ dataset: 'achats', key, defect, outcome, ...(reason ? { reason } : {}) });
      return out.push(line + extra) || logFull;
    };
    let lastReported = 0;
    const afterChunk = async () => {
      await Promise.all([out.flush(), log.flush()]);
      if (rows - lastReported >= 100_000) {
        lastReported = rows;
        options.onProgress?.({ dataset: 'achats', rows, total });
      }
    };

    if (total !== undefined) {
      for (let i = 0; i < total; i++) if (emit(random.int(1, clientCount))) await afterChunk();
    } else {
      for (let c = 1; c <= clientCount; c++) {
        const n = random.int(1, 30);
        for (let i = 0; i < n; i++) if (emit(c)) await afterChunk();
      }
    }
    await out.close();
    options.onProgress?.({ dataset: 'achats', rows, total: rows });
    return { rows, bytes: out.bytes };
  }
}
