import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../settings.js';
import { loadProject } from '../project/load.js';
import type { Project } from '../project/types.js';

/** The folders and file whose contents are the definitions (see loadProject). */
const DEFINITION_PLACES = ['datalake.yml', 'datasets', 'models', 'kpis'];

/** Names, sizes and times of the definition files: loading them again is needed only when it changes. */
function stampOf(dir: string): string {
  const parts: string[] = [];
  for (const place of DEFINITION_PLACES) {
    const at = path.join(dir, place);
    try {
      const stat = statSync(at);
      const files = stat.isDirectory() ? readdirSync(at).sort().map((f) => path.join(at, f)) : [at];
      for (const f of files) {
        const s = statSync(f);
        parts.push(`${f}:${s.size}:${s.mtimeMs}`);
      }
    } catch {
      parts.push(`${at}:absent`);
    }
  }
  return parts.join('\n');
}

const loaded = new Map<string, { stamp: string; project: Project }>();

/**
 * The config with the project's definitions as they are on disk now, as a run started from the terminal
 * takes them: a process that lives on (a scheduler, a worker) builds a KPI file added since it started
 * with its next run. Loaded again only when a definition file changed (~20 ms a load: a worker asks
 * at every shard). Throws the definitions' own error when they do not load.
 */
export function withCurrentDefinitions(config: Config): Config {
  const { dir, builtIn } = config.project;
  const stamp = stampOf(dir);
  let entry = loaded.get(dir);
  if (entry?.stamp !== stamp) {
    entry = { stamp, project: loadProject(dir, { builtIn }) };
    loaded.set(dir, entry);
  }
  return { ...config, project: entry.project };
}

/**
 * A digest of what a shard reads of the definitions (the datasets, the models): a shard taken by a
 * worker whose files differ from those its run started with would build with other SQL than the run's.
 */
export function shardDefinitions(project: Project): string {
  return createHash('sha256').update(JSON.stringify([project.datasets, project.models])).digest('hex').slice(0, 16);
}
