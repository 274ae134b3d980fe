import type { Config } from '../../config.js';
import { FLOWS } from '../../flows/definitions.js';
import { requireDataset } from '../../maintenance/compact.js';
import { vacuumOptions } from '../../maintenance/task.js';
import { stagesCommand } from './run.js';

export interface VacuumFlags {
  keepVersions: number;
  olderThan: string;
  bronze?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  json?: boolean;
}

export interface CompactFlags {
  dataset?: string;
  wait?: boolean;
  json?: boolean;
}

const common = (flags: { wait?: boolean; json?: boolean }) => ({ ...(flags.wait ? { wait: true } : {}), ...(flags.json ? { json: true } : {}) });

/** `datalake vacuum`: the vacuum flow; a bad --older-than or --keep-versions stops here, before any run starts. */
export async function vacuumCommand(config: Config, flags: VacuumFlags): Promise<void> {
  const vacuum = { keepVersions: flags.keepVersions, olderThan: flags.olderThan, ...(flags.bronze ? { bronze: true } : {}), ...(flags.dryRun ? { dryRun: true } : {}) };
  vacuumOptions(vacuum);
  await stagesCommand(config, FLOWS.vacuum, { vacuum, ...common(flags) });
}

/** `datalake compact`: the compact flow, for one dataset or all. */
export async function compactCommand(config: Config, flags: CompactFlags): Promise<void> {
  // `--dataset ''` (an unset shell variable) names no dataset: refused, not read as "all of them".
  if (flags.dataset !== undefined) requireDataset(config.project, flags.dataset);
  await stagesCommand(config, FLOWS.compact, { ...(flags.dataset !== undefined ? { dataset: flags.dataset } : {}), ...common(flags) });
}
