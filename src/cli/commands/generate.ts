import path from 'node:path';
import type { Config } from '../../config.js';
import { UserError } from '../../errors.js';
import { generate } from '../../generate/generator.js';
import { humanBytes, humanCount } from '../format.js';
import { TerminalProgress } from '../progress.js';

export interface GenerateFlags {
  clients?: number;
  achats?: number;
  seed: number;
  dirtyRate: number;
  out?: string;
  asOf?: Date;
  defectsLog?: string;
  json?: boolean;
}

/** Whether the project has the datasets the sample generator writes (the shop's clients and achats). */
export const isShopShaped = (config: Config) => ['clients', 'achats'].every((d) => config.project.datasets.some((x) => x.name === d));

export async function generateCommand(config: Config, flags: GenerateFlags): Promise<void> {
  if (!flags.out && !isShopShaped(config)) {
    throw new UserError(
      `generate writes the shop's sample files (clients.csv, achats.csv), which project ${config.project.name} has no dataset for`,
      'give --out DIR to write them elsewhere, or run it on the shop (`datalake init DIR` makes a copy)',
    );
  }
  const outDir = path.resolve(flags.out ?? config.sourcesDir);
  const progress = new TerminalProgress();
  const started = performance.now();
  let current = '';
  const result = await generate({
    outDir,
    seed: flags.seed,
    dirtyRate: flags.dirtyRate,
    ...(flags.clients !== undefined ? { clients: flags.clients } : {}),
    ...(flags.achats !== undefined ? { achats: flags.achats } : {}),
    ...(flags.asOf ? { asOf: flags.asOf } : {}),
    ...(flags.defectsLog ? { defectsLog: path.resolve(flags.defectsLog) } : {}),
    onProgress: ({ dataset, rows, total }) => {
      if (dataset !== current) {
        current = dataset;
        progress.begin('generate', `${dataset}.csv`, total);
      }
      progress.update({ rows });
    },
  });
  progress.end();
  if (flags.json) {
    const seconds = (performance.now() - started) / 1000;
    console.log(JSON.stringify({ ...result, seconds, peakRssBytes: process.resourceUsage().maxRSS * 1024 }, null, 2));
    return;
  }
  for (const f of result.files) console.log(`${f.path}: ${humanCount(f.rows)} rows, ${humanBytes(f.bytes)}`);
  if (flags.dirtyRate > 0) console.log(`${result.defects} defects injected (dirty rate ${flags.dirtyRate})`);
}
