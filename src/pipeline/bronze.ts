import fs from 'node:fs/promises';
import path from 'node:path';
import { datasetForFile } from '../datasets/index.js';
import { UserError } from '../errors.js';
import { checkHeader, inspectCsv, type CsvFileFacts } from './csv-file.js';
import { timed, type RunContext, type StageResult } from './context.js';

export const MANIFEST_KEY = '_manifest.json';

export interface ManifestEntry {
  key: string;
  sha256: string;
  size: number;
  rows: number;
  ingestedAt: string;
  runId: string;
}
export interface Manifest {
  files: Record<string, ManifestEntry>;
}

export async function readManifest(ctx: RunContext): Promise<Manifest> {
  const bytes = await ctx.store.getBytes('bronze', MANIFEST_KEY);
  return bytes ? (JSON.parse(bytes.toString('utf8')) as Manifest) : { files: {} };
}

/**
 * Bronze: every CSV of the sources folder goes to the `sources` bucket and, byte for byte, to `bronze`,
 * recorded in `bronze/_manifest.json` (sha256, size, rows, time). A file whose content is already in
 * bronze is skipped. All files are checked before anything is uploaded, so a bad file changes nothing.
 */
export async function runBronze(ctx: RunContext): Promise<StageResult> {
  return timed(async () => {
    const files = await listSourceFiles(ctx.config.sourcesDir);
    const inspected: { name: string; file: string; facts: CsvFileFacts }[] = [];
    for (const name of files) {
      const file = path.join(ctx.config.sourcesDir, name);
      const size = (await fs.stat(file)).size;
      ctx.progress.begin('bronze', `check ${name}`);
      const facts = await inspectCsv(file, (bytes) => ctx.progress.update({ percent: size ? (100 * bytes) / size : 100 }));
      ctx.progress.end();
      const spec = datasetForFile(name);
      if (spec) checkHeader(name, facts.header, spec);
      inspected.push({ name, file, facts });
    }

    const manifest = await readManifest(ctx);
    let rowsIn = 0;
    let rowsOut = 0;
    let bytes = 0;
    const outcome: Record<string, 'ingested' | 'unchanged'> = {};
    for (const { name, file, facts } of inspected) {
      rowsIn += facts.lines;
      const known = manifest.files[name];
      if (known && known.sha256 === facts.sha256 && (await ctx.store.head('bronze', known.key))) {
        outcome[name] = 'unchanged';
        continue;
      }
      ctx.progress.begin('bronze', `ingest ${name}`, facts.lines);
      await ctx.store.putFile('sources', name, file);
      await ctx.store.copy({ bucket: 'sources', key: name }, { bucket: 'bronze', key: name });
      ctx.progress.update({ rows: facts.lines });
      ctx.progress.end();
      manifest.files[name] = { key: name, sha256: facts.sha256, size: facts.size, rows: facts.lines, ingestedAt: new Date().toISOString(), runId: ctx.runId };
      outcome[name] = 'ingested';
      rowsOut += facts.lines;
      bytes += facts.size;
    }
    if (Object.values(outcome).includes('ingested')) {
      await ctx.store.putBytes('bronze', MANIFEST_KEY, JSON.stringify(manifest, null, 2));
    }
    return { stage: 'bronze' as const, rowsIn, rowsOut, quarantined: 0, bytes, details: { files: outcome } };
  });
}

async function listSourceFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`the sources folder ${dir} does not exist`, 'create it with `npx datalake generate`, or put clients.csv and achats.csv there (or set DATA_DIR)');
    }
    throw err;
  }
  const csvs = entries.filter((e) => e.toLowerCase().endsWith('.csv') && !e.startsWith('.')).sort();
  if (csvs.length === 0) {
    throw new UserError(`no CSV file in the sources folder ${dir}`, 'run `npx datalake generate`, or put clients.csv and achats.csv there');
  }
  return csvs;
}
