import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../settings.js';
import { isSourceFileName } from '../lake/keys.js';
import { datasetForFile } from '../project/globs.js';
import { closest } from '../project/closest.js';
import { datasetOfHeader, unmatchedHint } from '../project/same-header.js';
import type { Check } from './doctor.js';
import { DATALAKE } from '../command-name.js';

/**
 * `doctor`'s line for each file of the sources folders that no dataset's `files` glob matches: a run
 * ignores it without failing, so a misspelt glob would otherwise go unseen (one ⚠ line per file, with
 * the dataset whose columns its header names, else the one whose name is near its own).
 */
export async function unmatchedSources(config: Config): Promise<Check[]> {
  const { project } = config;
  const globs = project.datasets.flatMap((d) => d.files).join(', ');
  const checks: Check[] = [];
  const seen = new Set<string>();
  for (const dir of config.sourcesDirs) {
    const names = (await fs.readdir(dir).catch(() => [] as string[])).filter(isSourceFileName).sort();
    for (const name of names) {
      if (seen.has(name) || datasetForFile(project, name)) continue;
      seen.add(name);
      // A later export of a dataset its glob is too narrow for is told by its header, whatever its name.
      const same = await datasetOfHeader(project, path.join(dir, name));
      if (same) {
        checks.push({ area: 'sources', ok: true, warning: true, detail: `${name} matches no dataset's files (${globs}), so runs ignore it; ${unmatchedHint(project, name, same, '')}` });
        continue;
      }
      // `Report 2024-01.csv` → `report`: the name without its extension and trailing dates or numbers.
      const stem = name.replace(/\.[^.]*$/, '').replace(/[_\-. ]*[\d_\-. ]*$/, '').toLowerCase();
      const near = stem ? closest(stem, project.datasets.map((d) => d.name)) : undefined;
      const where = near ? `datasets/${near}.yml` : 'the datasets/<name>.yml it belongs to';
      checks.push({
        area: 'sources',
        ok: true,
        warning: true,
        detail: `${name} matches no dataset's files (${globs}), so runs ignore it: to include it, add ${JSON.stringify(name)} (or a glob matching it) to files: in ${where}, or add a dataset for it (\`${DATALAKE} init <folder> --from-csv ${path.join(dir, name)}\` drafts one)`,
      });
    }
  }
  return checks;
}
