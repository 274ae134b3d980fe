import path from 'node:path';
import { matchHeader } from '../pipeline/csv-header.js';
import { datasetHeader } from '../pipeline/dataset-header.js';
import { datePrefix, fileStem, prefixGlob } from './file-stem.js';
import { globsOverlap, literalGlob } from './globs.js';
import type { DatasetSpec, Project } from './types.js';

/**
 * The dataset whose declared columns a file's header names exactly, every one and no other: for a file
 * that no dataset's `files:` matches (`orders_2024-02.csv` beside a dataset of `files: orders.csv`), the
 * dataset it is most likely a later file of. Not a dataset without a header line, whose first line names
 * nothing. Only the file's first lines are read; a file that cannot be read has none.
 */
export async function datasetOfHeader(project: Project, file: string): Promise<DatasetSpec | undefined> {
  for (const spec of project.datasets) {
    if (spec.headerless) continue;
    const header = await datasetHeader(file, spec, spec.encoding ?? 'utf-8').catch(() => undefined);
    if (!header || header.length !== Object.keys(spec.columns).length) continue;
    const match = matchHeader(header, spec);
    if (!match.extra.length && !match.missingRequired.length && !match.missingOptional.length && !match.duplicated.length) return spec;
  }
  return undefined;
}

/**
 * A glob to add to `spec`'s files for `name` and the files named as it with another date, number or download
 * id: its stem as init reads it, then the separator after it and `[0-9]*` for a date or number in digits
 * (`orders_2024-02.csv` → `orders_[0-9]*.csv`) or `*` for one naming its month or a download id
 * (`Portfolio_Positions_Feb-29-2024.csv` → `Portfolio_Positions_*.csv`); a trailing number the stem keeps
 * as `[0-9]*` too (`invoices_102.csv` → `invoices_[0-9]*.csv`); and a date it starts with as its digits, as
 * init writes it (`202403-trips.csv` → `[0-9][0-9][0-9][0-9][0-9][0-9]-trips.csv`), where that matches no
 * other dataset's files; else the name itself.
 */
export function widerGlob(project: Project, spec: DatasetSpec, name: string): string {
  const ext = path.extname(name);
  const prefix = datePrefix(name);
  const base = name.slice(prefix.length, name.length - ext.length);
  const stem = fileStem(name);
  const after = base.startsWith(stem) ? /^([-_. ])(.+)$/.exec(base.slice(stem.length)) : null;
  const dated = /^(.*?[-_. ])\d[\d\-_. ]*$/.exec(base);
  const head = after ? `${literalGlob(stem + after[1]!)}${/^[\d\-_. ]+$/.test(after[2]!) ? '[0-9]' : ''}*` : dated ? `${literalGlob(dated[1]!)}[0-9]*` : undefined;
  const glob = prefix || head ? `${prefixGlob(prefix)}${head ?? literalGlob(base)}${literalGlob(ext)}` : literalGlob(name);
  const others = project.datasets.filter((d) => d !== spec).flatMap((d) => d.files);
  return others.some((g) => globsOverlap(g, glob)) ? literalGlob(name) : glob;
}

/**
 * What to do about a file no dataset's `files:` matches, as one sentence: widen the files of the dataset
 * its header is of, with the glob to add, or draft a dataset for it.
 */
export function unmatchedHint(project: Project, name: string, spec: DatasetSpec | undefined, draft: string): string {
  if (spec) return `its columns are exactly those of dataset ${spec.name}: add ${JSON.stringify(widerGlob(project, spec, name))} to files: in datasets/${spec.name}.yml (now ${spec.files.join(', ')}) to load it there`;
  return `add datasets/<name>.yml for it (${draft} drafts one), or widen the files: of the dataset it belongs to so that they match its name`;
}

/**
 * The run's warning for each file of the sources folders that no dataset's `files:` matches but whose
 * header is exactly a dataset's (a later export its glob is too narrow for): ignored as any unmatched file,
 * but said louder than the summary's list of ignored names, naming the dataset and the glob to add.
 */
export async function unmatchedWarnings(project: Project, files: readonly { name: string; file?: string }[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const { name, file } of files) {
    const spec = file ? await datasetOfHeader(project, file) : undefined;
    if (spec) warnings.push(`${name} matches no dataset's files, so it was not loaded; ${unmatchedHint(project, name, spec, '')}`);
  }
  return warnings;
}
