import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { asciiFold } from './ascii-fold.js';
import { checkAcrossDatasets, orderDatasets, RESERVED_DATASETS, toDataset } from './load-dataset.js';
import { RESERVED_KPI_IDS, reservedKpiReason, toKpi } from './load-kpi.js';
import { loadModels } from './load-model.js';
import { NAME, ProjectFile } from './schema.js';
import type { DashboardTab, DatasetSpec, Kpi, Project } from './types.js';
import { closest, DefinitionFile, toLabel } from './yaml-file.js';
import { DATALAKE } from '../command-name.js';

export { RESERVED_KPI_IDS, RESERVED_PARAMETERS } from './load-kpi.js';
export { RESERVED_DATASETS } from './load-dataset.js';
/** The dashboard's own tabs. */
const RESERVED_TABS = ['accueil', 'qualite', 'explorateur', 'runs'];

/** Where a definition's SQL is, for errors that point at its line. */
export interface SqlOrigin {
  file: string;
  line: number;
}

/** A loaded project, and where each SQL text and KPI column came from (for `check`). */
export interface LoadedProject extends Project {
  sqlOrigins: Map<string, SqlOrigin>;
  /** `kpi:<id>` (its columns) or `kpi:<id>:<column>` → line in its file. */
  lines: Map<string, number>;
}

const yamlFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/i.test(f) && !f.startsWith('.'))
        .sort()
    : [];


/**
 * Loads and validates a project folder: datalake.yml, datasets/*.yml, models/*.sql (+ .yml),
 * kpis/*.yml. Every file is checked field by field, then what spans files (columns named by rules
 * and references, models read by models, KPIs shown by tabs, overlapping file globs). The first
 * problem fails with one line naming the file, the line and the field. SQL is compiled by `check`.
 */
export function loadProject(dir: string, options: { builtIn?: boolean } = {}): LoadedProject {
  const projectDir = path.resolve(dir);
  if (!existsSync(path.join(projectDir, 'datalake.yml'))) {
    throw new UserError(`${projectDir} is not a project folder: it has no datalake.yml`, `create one with \`${DATALAKE} init <folder>\` (or \`init <folder> --from-csv <files>\`)`);
  }
  const file = (rel: string) => new DefinitionFile(projectDir, rel);
  const head = file('datalake.yml');
  const meta = head.parse(ProjectFile);

  const datasetFiles = yamlFiles(path.join(projectDir, 'datasets'));
  if (datasetFiles.length === 0) throw new UserError(`${projectDir}: no dataset declared`, 'add datasets/<name>.yml, one per kind of source file (every key: docs/projects.md)');
  const datasets = new Map<string, { spec: DatasetSpec; file: DefinitionFile }>();
  for (const f of datasetFiles) {
    const name = f.replace(/\.ya?ml$/i, '');
    const def = file(`datasets/${f}`);
    checkName(def, name, 'dataset');
    if (RESERVED_DATASETS.includes(name)) throw def.error([], `a dataset may not be called "${name}": the lake uses that folder`, 'rename the file');
    if (datasets.has(name)) throw def.error([], `dataset ${name} is declared twice (.yml and .yaml)`, `keep one of datasets/${name}.yml and datasets/${name}.yaml`);
    datasets.set(name, { spec: toDataset(name, def), file: def });
  }
  checkAcrossDatasets(datasets);

  const sqlOrigins = new Map<string, SqlOrigin>();
  const models = loadModels(projectDir, datasets, sqlOrigins);

  const kpis: Kpi[] = [];
  const lines = new Map<string, number>();
  for (const f of yamlFiles(path.join(projectDir, 'kpis'))) {
    const id = f.replace(/\.ya?ml$/i, '');
    const def = file(`kpis/${f}`);
    checkName(def, id, 'KPI');
    if (RESERVED_KPI_IDS.includes(id)) throw def.error([], `a KPI may not be called "${id}": ${reservedKpiReason(id)}`, 'rename the file');
    if (kpis.some((k) => k.id === id)) throw def.error([], `KPI ${id} is declared twice (.yml and .yaml)`, `keep one of kpis/${id}.yml and kpis/${id}.yaml`);
    const kpi = toKpi(id, def);
    kpis.push(kpi);
    sqlOrigins.set(`kpi:${id}`, { file: def.rel, line: def.blockStartLine(['sql']) });
    lines.set(`kpi:${id}`, def.lineAt(['columns']));
    for (const c of Object.keys(kpi.columns)) lines.set(`kpi:${id}:${c}`, def.lineAt(['columns', c]));
  }
  if (kpis.length === 0) throw new UserError(`${projectDir}: no KPI declared`, 'add kpis/<name>.yml with title, sql, columns and chart (every key: docs/projects.md)');

  const tabsDeclared = meta.dashboard !== undefined;
  const tabs: DashboardTab[] = tabsDeclared
    ? meta.dashboard!.tabs.map((t, i) => {
        const title = toLabel(t.title);
        const id = t.id ?? slug(title.en);
        for (const [j, k] of t.kpis.entries()) {
          if (!kpis.some((x) => x.id === k)) {
            const close = closest(k, kpis.map((x) => x.id));
            throw head.error(['dashboard', 'tabs', i, 'kpis', j], `no KPI "${k}"${close ? ` (did you mean "${close}"?)` : ''}`, `KPIs: ${kpis.map((x) => x.id).join(', ')}`);
          }
        }
        if (RESERVED_TABS.includes(id)) throw head.error(['dashboard', 'tabs', i], `the tab id "${id}" is taken by a built-in tab`, 'give the tab another id');
        return { id, title, kpis: t.kpis };
      })
    : kpis.map((k) => ({ id: k.id, title: k.title, kpis: [k.id] }));
  if (tabsDeclared) tabs.push(...unlistedTabs(kpis, tabs));
  const tabIds = tabs.map((t) => t.id);
  const twice = tabIds.find((t, i) => tabIds.indexOf(t) !== i);
  if (twice) throw head.error(['dashboard', 'tabs'], `two tabs have the id "${twice}"`, 'give each tab its own id');

  const title = meta.title ? toLabel(meta.title) : { fr: meta.name, en: meta.name };
  return {
    dir: projectDir,
    builtIn: options.builtIn === true,
    name: meta.name,
    title,
    datasets: orderDatasets([...datasets.values()].map((d) => d.spec)),
    models,
    kpis,
    tabs,
    tabsDeclared,
    sqlOrigins,
    lines,
  };
}

/**
 * A tab of its own for each KPI that no declared tab shows, after the declared ones: a KPI file added
 * later is seen without editing datalake.yml. Not for a KPI drawn as cards only, which the home page
 * shows whole (one with other charts gets its tab, and its cards are drawn there).
 */
function unlistedTabs(kpis: readonly Kpi[], declared: readonly DashboardTab[]): DashboardTab[] {
  const listed = new Set(declared.flatMap((t) => t.kpis));
  const ids = new Set([...declared.map((t) => t.id), ...RESERVED_TABS]);
  return kpis
    .filter((k) => !listed.has(k.id) && !k.charts.every((c) => c.type === 'cards'))
    .map((k) => {
      // A declared tab may have the KPI's id as its own.
      const id = ids.has(k.id) ? `kpi-${k.id}` : k.id;
      ids.add(id);
      return { id, title: k.title, kpis: [k.id] };
    });
}

export function checkName(def: DefinitionFile, name: string, what: string): void {
  if (!NAME.test(name)) {
    const snake = slug(name).replace(/-/g, '_');
    // `1bad` → `kpi_1bad`: a name starts with a letter.
    const suggested = !snake ? 'my_name' : /^[a-z]/.test(snake) ? snake : `${what.toLowerCase()}_${snake}`;
    throw new UserError(`${def.rel}: the file name must be snake_case (a-z, 0-9, _, starting with a letter): it becomes the ${what}'s name`, `rename it, e.g. ${def.rel.replace(/[^/]+$/, '')}${suggested}${path.extname(def.rel)}`);
  }
}

function slug(text: string): string {
  return asciiFold(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

