import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { UserError } from '../errors.js';
import { reportError } from './report-error.js';
import { refuseVersionAfterCommand } from './misplaced-version.js';
import { FLOWS, STAGES, TASKS, type FlowName, type StageName } from '../flows/definitions.js';
import { settleAlerts } from '../ops/pending.js';
import { dateValue, integer, positiveInt, rateValue } from './options.js';
import type { GenerateFlags } from './commands/generate.js';
import type { InitFlags } from './commands/init.js';
import type { RunFlags } from './commands/run.js';
import type { CompactFlags, VacuumFlags } from './commands/maintenance.js';
import { DATALAKE } from '../command-name.js';

/**
 * Each command loads what it uses when it runs: `--help` and the light commands do not pay for DuckDB,
 * the AWS SDK, BullMQ or Fastify.
 */
const L = {
  lake: () => import('../lake/index.js'),
  queue: () => import('../flows/queue/index.js'),
  schedule: () => import('../flows/schedule.js'),
  record: () => import('../flows/record.js'),
  check: () => import('../project/check.js'),
  initCommand: () => import('./commands/init.js'),
  load: () => import('../project/load.js'),
  sourcesCheck: () => import('../project/sources-check.js'),
  generate: () => import('./commands/generate.js'),
  run: () => import('./commands/run.js'),
  maintenance: () => import('./commands/maintenance.js'),
  serve: () => import('./commands/serve.js'),
  versions: () => import('./commands/versions.js'),
  show: () => import('./commands/show.js'),
  doctor: () => import('./doctor.js'),
  inspect: () => import('./inspect.js'),
  kpiList: () => import('./kpi-list.js'),
  summary: () => import('./summary.js'),
  stoppedRuns: () => import('./stopped-runs.js'),
};

/** The command line: commander wiring; each command's work is in commands/ and its output in the renderers. */
function buildProgram(): Command {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('datalake')
    .version(version)
    .description('A small-team data lake: CSV sources → bronze → silver → gold → serving store.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });
  program.option('--project <dir>', 'the project folder (default: DATALAKE_PROJECT, else the nearest datalake.yml, else the built-in shop example)');
  const config = async () => (await import('./config.js')).cliConfig((program.opts() as { project?: string }).project);
  // Only the definitions, not the settings: listing KPIs depends on no setting.
  const project = async () => (await import('./config.js')).cliProject((program.opts() as { project?: string }).project);

  program
    .command('generate')
    .description("write sample clients.csv and achats.csv like the seed's generator")
    .option('--clients <n>', 'number of clients (default: 1500)', positiveInt('--clients'))
    .option('--achats <n>', 'exact number of purchases (default: 1 to 30 per client, about 15 on average)', positiveInt('--achats'))
    .option('--seed <s>', 'random seed; the same seed gives the same files', integer, 42)
    .option('--dirty-rate <r>', 'share of rows given a realistic defect (0 to 1)', rateValue, 0)
    .option('--out <dir>', 'output folder (default: $DATA_DIR/sources)')
    .addOption(new Option('--as-of <date>', 'dates are drawn relative to this day, YYYY-MM-DD (default: today)').argParser(dateValue))
    .option('--defects-log <file>', 'write each injected defect and its expected outcome as JSON lines')
    .option('--json', 'print what was written as JSON')
    .action(async (flags: GenerateFlags) => (await L.generate()).generateCommand((await config()), flags));

  program
    .command('init')
    .description('write a new project folder: the shop example with sample data, or (--from-csv) definitions inferred from your CSV files')
    .argument('[dir]', 'the project folder to create', '.')
    .option('--from-csv <files...>', 'CSV files: one dataset definition per shape, the files copied into DIR/sources, a starter KPI')
    .option('--json', 'print what was written as JSON')
    .action(async (dir: string, flags: InitFlags) => (await L.initCommand()).initCommand(dir, flags));

  program
    .command('check')
    .description("load and validate the project without data: every definition file, then every model's and KPI's SQL against the declared columns")
    .option('--sources', 'also compare the CSV files in the sources folders with their definitions, printing the lines to add for new columns')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { sources?: boolean; json?: boolean }) => {
      const cfg = (await config());
      const report = await (await L.check()).checkProject((await L.load()).loadProject(cfg.project.dir, { builtIn: cfg.project.builtIn }));
      const sources = flags.sources ? await (await L.sourcesCheck()).checkSources(cfg) : undefined;
      const bad = sources?.filter((r) => r.outcome !== 'matches' && r.outcome !== 'extra columns ignored') ?? [];
      if (bad.length) process.exitCode = 1;
      if (flags.json) return console.log(JSON.stringify({ ...report, ...(sources ? { sources } : {}) }, null, 2));
      console.log(`✔ project ${report.project} (${cfg.project.builtIn ? 'built-in example' : report.dir}): every definition is valid and every SQL compiles`);
      console.log(`  datasets: ${report.datasets.map((d) => `${d.name} (${d.columns} columns${d.key.length ? `, key ${d.key.join('+')}` : ', no key'})`).join(', ')}`);
      console.log(`  models:   ${report.models.map((m) => m.name).join(', ') || 'none'}`);
      console.log(`  KPIs:     ${report.kpis.map((k) => k.id).join(', ')}`);
      for (const w of report.warnings) console.log(`⚠ ${w}`);
      if (sources) console.log(`sources:\n${(await L.sourcesCheck()).renderSourcesCheck(sources, cfg)}`);
    });

  program
    .command('run')
    .description('run the whole pipeline: bronze → silver → gold → publish, doing only what new source files require')
    .addOption(new Option('--flow <name>', 'run one named flow instead of the whole pipeline').choices(Object.keys(FLOWS)))
    .option('--full-refresh', 'rebuild silver from every bronze file, then gold, and republish')
    .option('--strict', 'a source file that cannot be read (empty, not UTF-8, a required column missing...) fails the run instead of waiting in quarantine')
    .addOption(
      new Option('--resume <run>', 'continue a failed or cancelled run from its failed task, reusing what it finished (refused when its inputs changed since)').conflicts(['flow', 'fullRefresh', 'strict']),
    )
    .option('--wait', 'if another run is writing the lake, wait for it instead of stopping')
    .option('--json', 'print the run summary as JSON')
    .action(async (flags: RunFlags & { flow?: FlowName; resume?: string }) =>
      flags.resume !== undefined ? (await L.run()).resumeCommand(await config(), flags.resume, flags) : (await L.run()).stagesCommand(await config(), flags.flow ? FLOWS[flags.flow] : TASKS, flags),
    );

  const stageHelp: Record<StageName, string> = {
    bronze: "keep new and changed source CSVs (the files each dataset's `files` glob matches) in bronze, by ingestion day; skips files already received",
    silver: 'clean the bronze files not merged yet and merge them into typed Parquet by key; quarantine the rows that cannot be repaired',
    gold: 'build the dimension, fact and KPI tables from silver (skipped when silver has not changed)',
    publish: 'load the gold KPIs into the serving store, atomically (skipped when already published)',
  };
  for (const stage of STAGES) {
    const command = program.command(stage).description(stageHelp[stage]);
    if (stage !== 'bronze') command.option('--full-refresh', stage === 'silver' ? 'rebuild silver from every bronze file' : 'rebuild even when nothing changed');
    else command.option('--strict', 'a source file that cannot be read fails the run instead of waiting in quarantine');
    if (stage === 'publish') command.option('--approve <run>', 'commit the version staged by a run whose audit failed (recorded: who and when), then publish it');
    command
      .option('--wait', 'if another run is writing the lake, wait for it instead of stopping')
      .option('--json', 'print the run summary as JSON')
      .action(async (flags: RunFlags & { approve?: string }) => (flags.approve ? (await L.versions()).approveCommand((await config()), flags.approve, flags) : (await L.run()).stagesCommand((await config()), [stage], flags)));
  }

  program
    .command('vacuum')
    .description('delete what no kept version needs: objects of expired versions, staged files of dead runs, expired staged versions (never bronze unless --bronze)')
    .option('--keep-versions <n>', 'keep the newest n versions whatever their age', positiveInt('--keep-versions'), 10)
    .option('--older-than <age>', 'keep the versions committed (and the failed runs ended) within this age: 30d, 12h, 90m', '30d')
    .option('--bronze', 'also delete raw bronze files merged into silver and received before that age (a later --full-refresh rebuilds from what is left)')
    .option('--dry-run', 'print what would be deleted, delete nothing')
    .option('--wait', 'if another run is writing the lake, wait for it instead of stopping')
    .option('--json', 'print the run summary as JSON')
    .action(async (flags: VacuumFlags) => (await L.maintenance()).vacuumCommand(await config(), flags));

  program
    .command('compact')
    .description('rewrite the silver partitions made of several files (daily drops append one each) into one file each, as a new version with the same rows')
    .option('--dataset <name>', 'only this dataset')
    .option('--wait', 'if another run is writing the lake, wait for it instead of stopping')
    .option('--json', 'print the run summary as JSON')
    .action(async (flags: CompactFlags) => (await L.maintenance()).compactCommand(await config(), flags));

  program
    .command('history')
    .description("the lake's versions, newest first: run, time, audit, the tables each changed with their rows")
    .option('--limit <n>', 'at most this many versions', positiveInt('--limit'))
    .option('--json', 'print them as JSON')
    .action(async (flags: { json?: boolean; limit?: number }) => (await L.versions()).historyCommand((await config()), flags));

  program
    .command('diff')
    .description('what changed between two versions: rows added, removed and changed per table, and the KPI values that changed')
    .argument('<v1>', 'a version (see `datalake history`)', positiveInt('<v1>'))
    .argument('<v2>', 'a later (or earlier) version', positiveInt('<v2>'))
    .option('--json', 'print the differences as JSON')
    .action(async (v1: number, v2: number, flags: { json?: boolean }) => (await L.versions()).diffCommand((await config()), v1, v2, flags));

  program
    .command('rollback')
    .description("make an earlier version current again, as a new version (history is kept), and republish its KPIs")
    .argument('<version>', 'the version whose content to restore', positiveInt('<version>'))
    .option('--json', 'print the run record as JSON')
    .action(async (version: number, flags: { json?: boolean }) => (await L.versions()).rollbackCommand((await config()), version, flags));

  program
    .command('verify')
    .description('print what a lake layer holds: objects, row counts, schema and a sample')
    .argument('<layer>', 'bronze, silver or gold')
    .option('--rows <n>', 'sample rows per object', positiveInt('--rows'), 5)
    .option('--json', 'print the report as JSON')
    .action(async (layer: string, flags: { rows: number; json?: boolean }) => {
      if (!['sources', 'bronze', 'silver', 'gold'].includes(layer)) throw new UserError(`unknown layer "${layer}"`, 'use one of: bronze, silver, gold');
      const bucket = layer as 'sources' | 'bronze' | 'silver' | 'gold';
      const report = await (await L.inspect()).inspectLayer(await config(), bucket, flags.rows);
      console.log(flags.json ? JSON.stringify(report, null, 2) : (await L.inspect()).renderLayer(report));
    });

  program
    .command('kpis')
    .description("list the project's KPIs (kpis/*.yml)")
    .option('--json', 'print the KPIs as JSON')
    .action(async (flags: { json?: boolean }) => {
      const { kpis } = await project();
      console.log(flags.json ? JSON.stringify(kpis, null, 2) : (await L.kpiList()).renderKpiList(kpis));
    });

  program
    .command('show')
    .description('print a published KPI from the serving store')
    .argument('<kpi>', 'KPI id, e.g. ca_par_pays (see `datalake kpis`)')
    .option('--limit <n>', 'at most this many rows', positiveInt('--limit'))
    .option('--json', 'print the rows and the lake version they come from as JSON')
    .option('--at <version>', 'the rows as that version of the lake built them (see `datalake history`), read from its gold', positiveInt('--at'))
    .action(async (id: string, flags: { limit?: number; json?: boolean; at?: number }) => {
      if (!(await (await L.show()).showKpi(await config(), id, flags.limit, flags.json, flags.at))) throw new UserError(`KPI ${id} has not been published yet`, `run \`${DATALAKE} run\` first`);
    });

  program
    .command('runs')
    .description('list past runs recorded in the lake, or show one run: its tasks, attempts and log')
    .argument('[run-id]', 'a run id from the list')
    .option('--limit <n>', 'at most this many runs', positiveInt('--limit'), 50)
    .option('--json', 'print the run records as JSON')
    .action(async (runId: string | undefined, flags: { json?: boolean; limit: number }) => {
      const lake = (await L.lake()).openObjectStore(await config());
      if (runId) {
        const run = /^[0-9A-Za-z.-]{1,64}$/.test(runId) ? await (await L.record()).readRun(lake, runId) : undefined;
        if (!run) throw new UserError(`no run ${runId}`, `list the runs with \`${DATALAKE} runs\``);
        return console.log(flags.json ? JSON.stringify(run, null, 2) : (await L.summary()).renderRun(run));
      }
      const runs = await (await L.record()).listRuns(lake, flags.limit);
      if (flags.json) return console.log(JSON.stringify(runs, null, 2));
      if (runs.length === 0) return console.log('no run recorded yet');
      const { renderRunList, stoppedRuns } = await L.stoppedRuns();
      console.log(renderRunList(runs, await stoppedRuns(await config(), lake, runs)));
    });

  program
    .command('worker')
    .description('with REDIS_URL: execute queued runs and their shards, one at a time each, and fire the schedules, until stopped')
    .action(async () => {
      const worker = await (await L.queue()).startWorker(await config());
      const { onStop } = await L.serve();
      await new Promise<void>((resolve) => onStop(() => worker.close().then(resolve)));
    });

  program
    .command('schedule')
    .description('add a schedule: a cron expression on which `datalake serve` (with REDIS_URL: the workers) runs a flow; or list or remove them')
    .argument('[cron]', '5 fields: minute hour day month weekday, e.g. "0 2 * * *" (02:00 every day)')
    .addOption(new Option('--flow <name>', 'the flow to run').choices(Object.keys(FLOWS)).default('pipeline'))
    .option('--list', 'list the schedules and their next run')
    .option('--remove <id>', 'remove a schedule added here')
    .action(async (cron: string | undefined, flags: { flow: string; list?: boolean; remove?: string }) => {
      const cfg = (await config());
      if (cron !== undefined && (flags.list || flags.remove)) throw new UserError(`give a cron expression to add a schedule, or ${flags.list ? '--list' : '--remove'}, not both`, `e.g. \`${DATALAKE} schedule "0 2 * * *"\` or \`${DATALAKE} schedule --list\``);
      const lake = (await L.lake()).openObjectStore(cfg);
      if (flags.remove) {
        await (await L.schedule()).removeSchedule(lake, flags.remove);
        return console.log(`removed schedule ${flags.remove}`);
      }
      if (cron) {
        const s = await (await L.schedule()).addSchedule(lake, cron, flags.flow);
        console.log(`added schedule ${s.id}: ${s.flow} at "${s.cron}", next ${(await L.schedule()).checkCron(s.cron)?.toISOString() ?? 'never'}`);
        return console.log(`\`${DATALAKE} serve\` (or \`npm start\`) fires it while it runs`);
      }
      const schedules = await (await L.schedule()).listSchedules(lake, cfg);
      if (schedules.length === 0) return console.log(`no schedule: add one with \`${DATALAKE} schedule "0 2 * * *"\`, or set SCHEDULE`);
      for (const s of schedules) console.log(`${s.id.padEnd(8)} ${s.flow.padEnd(21)} ${s.cron.padEnd(16)} next ${(await L.schedule()).checkCron(s.cron)?.toISOString() ?? 'never'}${s.source === 'setting' ? '  (from SCHEDULE)' : ''}`);
    });

  program
    .command('doctor')
    .description('show the mode of the lake, serving store and orchestration, and check each configured service')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { json?: boolean }) => {
      const result = await (await L.doctor()).runDoctor(await config());
      console.log(flags.json ? JSON.stringify(result, null, 2) : (await L.doctor()).renderDoctor(result));
      if (result.checks.some((c) => !c.ok)) process.exitCode = 1;
    });

  program
    .command('serve')
    .description('serve the API (with its docs at /docs) and the dashboard on HOST:PORT')
    .action(async () => (await L.serve()).serveCommand(await config()));

  program
    .command('openapi')
    .description("print the API's OpenAPI document (for client generators), without starting the server")
    .option('--out <file>', 'write it to this file instead')
    .action(async (flags: { out?: string }) => (await L.serve()).openapiCommand((await config()), flags.out));

  program
    .command('start')
    .description('generate sample data if the sources folder is empty, run the whole pipeline, then serve the API and dashboard')
    .action(async () => (await L.serve()).startCommand(await config()));

  return program;
}

async function main(): Promise<void> {
  try {
    refuseVersionAfterCommand(process.argv.slice(2));
    await buildProgram().parseAsync(process.argv);
  } catch (caught) {
    reportError(caught);
    process.exitCode = 1;
  }
  // An alert still being delivered (a run's end) is waited for, as long as its retries can take at most.
  const abandoned = await settleAlerts();
  if (abandoned) console.error(`warning: ${abandoned} alert delivery(ies) abandoned at exit (recorded as failed in runs/_alerts/)`);
}

await main();
