import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { asciiFold } from './ascii-fold.js';
import { Engine, sqlIdent as id } from '../engine/duckdb.js';
import { isSourceFileName } from '../lake/keys.js';
import type { ProgressSink } from '../pipeline/context.js';
import { UserError } from '../errors.js';
import { notReadByBronze, sameBytes, sourceExtension } from './init-files.js';
import { generate } from '../generate/generator.js';
import { datasetGlobs } from './init-globs.js';
import { datePrefix, fileStems, prefixGlob } from './file-stem.js';
import { columnName } from '../pipeline/csv-header.js';
import { inferCsv, type InferredCsv } from './infer.js';
import { filledRows } from './infer-sql.js';
import { alignSpellings, mergeShapes, oneTable } from './shapes.js';
import { keyDespiteRepeats, pairKeyOf, repeatedRows } from './infer-key.js';
import { seriesPeriod } from './infer-series.js';
import { typeEmptyYears } from './empty-years.js';
import { redownloadCandidate, redownloadOverlap } from './infer-redownload.js';
import { ID_LIKE } from './infer-spellings.js';
import { datasetYaml, keyOf, toCheck, yamlText } from './init-yaml.js';
import { starterKpi } from './starter-kpi.js';
import { loadProject, RESERVED_DATASETS } from './load.js';
import { BUILT_IN_PROJECT } from './resolve.js';
import { PROJECT_NAME } from './schema.js';
import { makeFolder } from '../folders.js';

/** A project name from a folder name: `My Flights 2024` → `my-flights-2024`. */
export function projectName(dir: string): string {
  const base = asciiFold(path.basename(path.resolve(dir)))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  // A name is two characters at least: a folder `p` gives `p-project`; one with no letter, `my-project`.
  if (/^[a-z]$/.test(base)) return `${base}-project`;
  return PROJECT_NAME.test(base) ? base : 'my-project';
}

async function refuseExisting(dir: string): Promise<void> {
  if (existsSync(path.join(dir, 'datalake.yml'))) {
    throw new UserError(`${dir} already holds a project (datalake.yml)`, 'pick another folder, or edit that project\'s files');
  }
  await makeFolder(dir);
}

const GITIGNORE = '# The lake, the serving store and run scratch space of this project\ndata/\n';

/**
 * `datalake init DIR`: a new project folder holding the shop example (the built-in project's files)
 * and its generated sample data in DIR/sources, ready for `datalake run --project DIR`.
 */
export async function initShop(dir: string, options: { seed?: number; clients?: number } = {}): Promise<{ dir: string; name: string; files: string[] }> {
  const target = path.resolve(dir);
  await refuseExisting(target);
  const name = projectName(target);
  for (const sub of ['datasets', 'models', 'kpis']) await fs.cp(path.join(BUILT_IN_PROJECT, sub), path.join(target, sub), { recursive: true });
  const head = await fs.readFile(path.join(BUILT_IN_PROJECT, 'datalake.yml'), 'utf8');
  // Its own name: its buckets, database and queues on shared services are its own too.
  await fs.writeFile(path.join(target, 'datalake.yml'), head.replace(/^name: .*$/m, `name: ${name}`));
  await fs.writeFile(path.join(target, '.gitignore'), GITIGNORE);
  const result = await generate({ outDir: path.join(target, 'sources'), seed: options.seed ?? 42, ...(options.clients ? { clients: options.clients } : {}) });
  loadProject(target); // what was written must load
  return { dir: target, name, files: result.files.map((f) => f.path) };
}

export interface FromCsvResult {
  dir: string;
  name: string;
  datasets: { name: string; file: string; rows: number; columns: number; key: string[]; delimiter: string; skipLines: number; header: boolean; headerRows: number; unreadLines: number; bareCrLines: number; emptyRows: number; check: string[] }[];
  kpi: string;
}

/**
 * `datalake init DIR --from-csv FILE...`: one dataset definition per CSV shape, inferred with DuckDB
 * (delimiter, types, date formats, missing-value spellings, a key when a column is unique and never
 * empty), the CSVs copied into DIR/sources, and one starter KPI so that `run` and the dashboard show
 * something at once. The files written are meant to be read and edited.
 */
export async function initFromCsv(dir: string, given: string[], progress?: ProgressSink): Promise<FromCsvResult> {
  const target = path.resolve(dir);
  const files = [...new Map(given.map((f) => [path.resolve(f), f])).values()]; // a file given twice is read once
  for (const f of files) {
    if (!existsSync(f)) throw new UserError(`${f}: no such file`, 'give the paths of CSV files');
    if (!(await fs.stat(f)).isFile()) throw new UserError(`${f} is not a file`, 'give the paths of CSV files');
    if (!isSourceFileName(path.basename(f))) throw await notReadByBronze(f);
  }
  // sources/ keeps a file by its name, which bronze and the globs read whatever its case.
  const byName = new Map<string, string>();
  for (const f of files) {
    const twin = byName.get(path.basename(f).toLowerCase());
    if (twin !== undefined && path.resolve(twin) !== path.resolve(f)) {
      throw new UserError(`${twin} and ${f} have the same name${path.basename(twin) === path.basename(f) ? '' : ' but for case'}: the project's sources folder keeps one file per name`, 'rename one of them (e.g. with its folder or month in the name), then run init again');
    }
    byName.set(path.basename(f).toLowerCase(), f);
  }
  const stems = fileStems(files.map((f) => path.basename(f)), files);
  const engine = await Engine.openTemporary({ threads: 2, memoryLimit: '1GB' }, 'init');
  const shapes: { name: string; stem: string; prefix: string; files: string[]; csv: InferredCsv; parts: InferredCsv[] }[] = [];
  try {
    for (const file of files) {
      progress?.begin('init', `read ${path.basename(file)}`);
      const csv = await inferCsv(engine, file, path.basename(file), (p) => progress?.update(p.percent === undefined ? {} : { percent: p.percent })).catch((err: unknown) => {
        progress?.fail?.();
        throw err;
      });
      progress?.end();
      const stem = stems.get(file)!;
      // A date before the stem (`202401-citibike-tripdata.csv`) is its digits in the globs: files of one stem are of one prefix.
      const prefix = prefixGlob(datePrefix(path.basename(file)));
      // Files with the same stem and columns are one dataset (monthly exports of one table), also when a
      // later export orders them otherwise, adds or drops columns, or renames one: its definition has all of them.
      // Stems compared whatever their case (`Report 2024-01.csv`, `report 2024-02.csv`), as the globs match names.
      const same = shapes.find((s) => `${s.prefix}${s.stem}`.toLowerCase() === `${prefix}${stem}`.toLowerCase() && oneTable(s.csv, csv) && sourceExtension(s.files[0]!) === sourceExtension(file));
      if (same) {
        const aligned = alignSpellings(same.csv, csv);
        same.files.push(file);
        same.parts.push(aligned);
        same.csv = mergeShapes(same.csv, aligned);
        continue;
      }
      let name = datasetName(stem);
      if (RESERVED_DATASETS.includes(name)) name = `${name}_data`;
      // Another shape has that stem ("sp500-2000.csv" beside "sp500.csv"): the file's whole name, else a number.
      if (shapes.some((s) => s.name === name)) name = datasetName(path.basename(file).replace(/\.[^.]*$/, ''));
      const taken = (n: string) => shapes.some((s) => s.name === n) || RESERVED_DATASETS.includes(n);
      const base = name;
      for (let n = 2; taken(name); n++) name = `${base}_${n}`;
      csv.dataset = datasetName(stem);
      shapes.push({ name, stem, prefix, files: [file], csv, parts: [csv] });
    }
    // A later file's row replaces the earlier row of its key: a column unique in each file but not
    // across them (line numbers restarting each month) would lose rows. Such a column is no key, unless
    // it is an id the files share as downloads of one export do (the same book in both: infer-redownload.ts).
    for (const shape of shapes.filter((s) => s.files.length > 1)) {
      for (const column of shape.csv.columns.filter((c) => c.unique)) {
        const branches = shape.parts.map((part) => {
          const i = part.columns.findIndex((c) => c.name === column.name);
          return `SELECT nullif(trim(${id(`c${i}`)}), '') AS v FROM ${filledRows(part)}`;
        });
        const [r] = await engine.rows(`SELECT count(v) = count(DISTINCT v) AS distinct_values FROM (${branches.join(' UNION ALL ')})`);
        if (r?.['distinct_values'] === true) continue;
        if (redownloadCandidate(column, shape.csv) && (await redownloadOverlap(engine, shape.csv, shape.parts, column))) column.redownloaded = true;
        else column.unique = false;
      }
    }
    for (const shape of shapes) {
      typeEmptyYears(shape.csv.columns);
      const repeatedId = keyOf(shape.csv).length ? undefined : await keyDespiteRepeats(engine, shape.csv, shape.parts);
      if (repeatedId) {
        shape.csv.columns = shape.csv.columns.map((c) => (c.name === repeatedId.column ? { ...c, unique: true } : c));
        shape.csv.sentTwice = repeatedId.repeats;
        continue;
      }
      const pair = await pairKeyOf(engine, shape.csv, shape.parts);
      if (pair) {
        shape.csv.pairKey = pair;
        continue;
      }
      if (keyOf(shape.csv).length) continue;
      // A series (Google Trends' weeks, FRED's months): its date, so that a download of it again replaces the periods it repeats.
      const series = await seriesPeriod(engine, shape.csv, shape.parts);
      if (series) shape.csv.series = series;
      // A file with an id column (`order_id`) repeating rows sent the same row twice; a statement has none.
      else if (!shape.csv.columns.some((c) => ID_LIKE.test(c.name))) shape.csv.repeatedRows = await repeatedRows(engine, shape.csv, shape.parts);
    }
  } finally {
    engine.close();
  }
  const existed = existsSync(target);
  if (existsSync(path.join(target, 'datalake.yml'))) await refuseExisting(target); // says so
  const starter = starterKpi(shapes);
  // Nothing of the folder's own is replaced: a definition it has already, or another file under a
  // source's name in its sources/, stops init before it writes anything.
  const copies = shapes.flatMap((s) => s.files.map((f) => ({ from: f, to: path.join(target, 'sources', path.basename(f)) })));
  for (const file of [...shapes.map((s) => path.join(target, 'datasets', `${s.name}.yml`)), path.join(target, 'kpis', `${starter.id}.yml`)]) {
    if (existsSync(file)) throw new UserError(`${path.relative(target, file)} already exists in ${target}: init would replace it`, 'pick another folder, or move that file away');
  }
  for (const { from, to } of copies) {
    if (existsSync(to) && path.resolve(from) !== to && !(await sameBytes(from, to))) {
      throw new UserError(`sources/${path.basename(to)} already exists in ${target} and differs from ${from}: init would replace it`, 'pick another folder, or move that file away');
    }
  }
  await refuseExisting(target);
  // What this init creates, removed again if the project does not load: no half-written folder is left,
  // which every command (and init itself) would then refuse. Only what did not exist before.
  const written: string[] = [];
  const mkdir = async (dir: string) => void (await makeFolder(dir).then((made) => made && written.push(made)));
  const write = async (file: string, text: string) => void (await fs.writeFile(file, text), written.push(file));
  let name: string;
  try {
    // A dataset's files are `<stem>*.csv` (or .tsv or .txt, as its first file), unless that would claim another
    // dataset's files: then its names and its stem followed by a date or number, else its names only (init-globs.ts).
    const globs = datasetGlobs(shapes);
    for (const sub of ['datasets', 'kpis', 'sources']) await mkdir(path.join(target, sub));
    for (const [i, s] of shapes.entries()) {
      const { clash, narrowed } = globs[i]!;
      const other = clash === undefined ? undefined : shapes[clash]!;
      const wide = `${s.prefix}${s.stem}*${sourceExtension(s.files[0]!)}`;
      const layouts = other && other.csv.skipLines !== s.csv.skipLines ? ` (theirs have ${other.csv.skipLines} lines before the header, these ${s.csv.skipLines}: a dataset skips as many in each file)` : '';
      const why = !other
        ? undefined
        : narrowed === 'later'
          ? `# Not ${wide}, which would also match the files of dataset ${other.name}: its files, and later ones named ${s.prefix}${s.stem} then a date or number${s.prefix ? '' : ` (${s.stem}_2024-02${sourceExtension(s.files[0]!)})`}.`
          : `# Its files are named: ${wide} would also match the files of dataset ${other.name}${layouts}. Add a later file's name (or a glob) here.`;
      const notes = [why, partialColumns(s)].filter(Boolean).join('\n');
      await write(path.join(target, 'datasets', `${s.name}.yml`), datasetYaml(s.name, globs[i]!.globs, s.files, s.csv, notes || undefined));
    }
    for (const { from, to } of copies) {
      if (existsSync(to)) continue; // the file itself, or the same bytes
      await fs.copyFile(from, to);
      written.push(to);
    }
    name = projectName(target);
    await write(path.join(target, 'datalake.yml'), `# Written by \`datalake init --from-csv\`; every key is in docs/projects.md of the datalake package.\nname: ${name}\ntitle: ${yamlText(path.basename(target))}\n`);
    // A .gitignore of the folder's own is added to, not replaced.
    const gitignore = path.join(target, '.gitignore');
    if (!existsSync(gitignore)) await write(gitignore, GITIGNORE);
    else if (!/^\/?data\/?$/m.test(await fs.readFile(gitignore, 'utf8'))) await fs.appendFile(gitignore, `\n${GITIGNORE}`);
    await write(path.join(target, 'kpis', `${starter.id}.yml`), starter.yaml);
    loadProject(target); // what was written must load
  } catch (err) {
    if (!existed) await fs.rm(target, { recursive: true, force: true });
    else for (const f of written.reverse()) await fs.rm(f, { recursive: true, force: true });
    if (err instanceof UserError) throw new UserError(`init wrote a project that does not load, and removed it: ${err.message}`, 'please report this with the header lines of the CSV files');
    throw err;
  }
  return {
    dir: target,
    name,
    datasets: shapes.map((s) => ({ name: s.name, file: s.files.map((f) => path.basename(f)).join(', '), rows: s.csv.rows, columns: s.csv.columns.length, key: keyOf(s.csv), delimiter: s.csv.delimiter, skipLines: s.csv.skipLines, header: !s.csv.headerless, headerRows: s.csv.headerRows ?? 1, unreadLines: s.csv.unreadRecords, bareCrLines: s.csv.bareCrLines ?? 0, emptyRows: s.csv.emptyRows ?? 0, check: toCheck(s.csv) })),
    kpi: starter.id,
  };
}

/** Columns that some files of a dataset lack (a month that added, dropped or renamed one), as a note, or undefined. */
function partialColumns(shape: { files: string[]; parts: InferredCsv[]; csv: InferredCsv }): string | undefined {
  const lacking = shape.csv.columns.flatMap((c) => {
    const without = shape.files.filter((_, k) => !shape.parts[k]!.columns.some((p) => p.name === c.name)).map((f) => path.basename(f));
    return without.length ? [`${c.name} (not in ${without.length > 2 ? `${without.slice(0, 2).join(', ')} and ${without.length - 2} more` : without.join(', ')})`] : [];
  });
  return lacking.length ? `# Not in every file, read as missing where absent: ${lacking.join('; ')}.` : undefined;
}

/** A dataset's name from a file's: as a column's, but `d_` where a column's gets `c_` (`2024.csv` → `d_2024`; `c_sales.csv` stays `c_sales`). */
function datasetName(stem: string): string {
  const name = columnName(stem, 0);
  return name.startsWith('c_') && !/^c_/i.test(stem.trim()) ? `d_${name.slice(2)}` : name;
}

