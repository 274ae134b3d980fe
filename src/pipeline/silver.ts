import fs from 'node:fs/promises';
import { DATASETS } from '../datasets/index.js';
import { UserError } from '../errors.js';
import { cleanDataset, type CleaningStats, type QualityCheck } from './cleaning.js';
import { checkHeader, inspectHeader } from './csv-file.js';
import { readManifest } from './bronze.js';
import { timed, type RunContext, type StageResult } from './context.js';

export const silverKey = (dataset: string) => `${dataset}.parquet`;
export const quarantineKey = (dataset: string) => `quarantine/${dataset}.parquet`;

/**
 * Silver: each dataset of bronze is cleaned into typed Parquet (zstd), its rejected rows into
 * `silver/quarantine/<dataset>.parquet`. Every dataset is cleaned and checked before any object is
 * uploaded, so a failed quality rule leaves silver as it was.
 */
export async function runSilver(ctx: RunContext): Promise<StageResult> {
  return timed(async () => {
    const db = await ctx.db();
    const outDir = await ctx.workDir('silver');
    const downloads = await ctx.workDir('silver-inputs');
    const manifest = await readManifest(ctx);
    const cleaned: { dataset: string; silverFile: string; quarantineFile: string; stats: CleaningStats; quality: QualityCheck[] }[] = [];
    for (const spec of DATASETS) {
      const sourceName = `${spec.name}.csv`;
      if (!(await ctx.store.head('bronze', sourceName))) {
        throw new UserError(`bronze has no ${sourceName}`, `put ${sourceName} in the sources folder and run \`npx datalake bronze\` (or \`npx datalake run\`)`);
      }
      const csvPath = await ctx.store.localPath('bronze', sourceName, downloads);
      const header = checkHeader(sourceName, await inspectHeader(csvPath), spec);
      const referenced = spec.references ? cleaned.find((c) => c.dataset === spec.references!.dataset)?.silverFile : undefined;
      ctx.progress.begin('silver', spec.name, manifest.files[sourceName]?.rows);
      const result = await cleanDataset(db, spec, csvPath, {
        header,
        sourceName,
        outDir,
        ...(referenced ? { referencedFile: referenced } : {}),
        settings: ctx.config.qualitySettings,
        onProgress: (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }),
      });
      ctx.progress.end();
      cleaned.push({ dataset: spec.name, ...result });
    }
    let bytes = 0;
    for (const c of cleaned) {
      bytes += (await fs.stat(c.silverFile)).size;
      await ctx.store.putFile('silver', silverKey(c.dataset), c.silverFile, { move: true });
      await ctx.store.putFile('silver', quarantineKey(c.dataset), c.quarantineFile, { move: true });
    }
    const sum = (f: (s: CleaningStats) => number) => cleaned.reduce((acc, c) => acc + f(c.stats), 0);
    return {
      stage: 'silver' as const,
      rowsIn: sum((s) => s.rowsIn),
      rowsOut: sum((s) => s.rowsOut),
      quarantined: sum((s) => s.quarantined),
      bytes,
      details: { datasets: Object.fromEntries(cleaned.map((c) => [c.dataset, c.stats])), quality: cleaned.flatMap((c) => c.quality) },
    };
  });
}
