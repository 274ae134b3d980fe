import { sqlIdent as id, sqlString as str, subquery, type Engine } from '../../engine/duckdb.js';
import { DefinitionError, UserError } from '../../errors.js';
import { localPaths } from '../../lake/index.js';
import type { RunContext } from '../context.js';
import { datasetSelect } from '../silver/read.js';
import { SILVER_PARQUET } from '../merge.js';
import { DATALAKE } from '../../command-name.js';

export /** A view named after the dataset over its silver objects (its declared columns, typed even when empty); returns its row count. */
async function datasetView(ctx: RunContext, db: Engine, dataset: string, keys: string[], downloads: string): Promise<number> {
  const spec = ctx.config.project.datasets.find((d) => d.name === dataset)!;
  const files = await localPaths(ctx.lake, 'silver', keys, downloads);
  await db.run(`CREATE OR REPLACE TEMP VIEW ${id(dataset)} AS ${datasetSelect(spec, files)}`);
  const [r] = await db.rows(`SELECT count(*) AS n FROM ${id(dataset)}`);
  return Number(r!['n']);
}

/** A table's rows written as one Parquet file (zstd level 1, as silver: see SILVER_PARQUET). `definedIn`: the file its SQL is from. */
export async function writeTable(db: Engine, sql: string, file: string, onProgress: Parameters<Engine['run']>[1], definedIn: string): Promise<void> {
  await db.run(`COPY ${subquery(sql)} TO ${str(file)} (FORMAT parquet, ${SILVER_PARQUET})`, onProgress).catch((err: unknown) => failsOnData(err, definedIn));
}

/** DuckDB's errors of a query on the data, which `check` cannot see: the user's to fix, in the file they name. Others as they are. */
const DATA_ERRORS = /^(Conversion|Invalid Input|Out of Range|Binder|Catalog|Parser|Not implemented|Constraint) Error: /;

/** Rethrows an error of the SQL of `definedIn` (`kpis/x.yml`, `models/x.sql`) on the data as one line naming that file. */
export function failsOnData(err: unknown, definedIn: string): never {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof UserError || !DATA_ERRORS.test(message)) throw err;
  // A model is written under its own name only once built: reading itself, it finds no such table (as check says).
  const model = /^models\/([a-z][a-z0-9_]*)\.sql$/.exec(definedIn)?.[1];
  const missing = /Table with name "?([^"\s!]+)"? does not exist/.exec(message)?.[1];
  if (model && missing?.toLowerCase() === model) {
    throw new DefinitionError(`${definedIn}: model ${model} reads itself (FROM ${missing}), a cycle of one: a model cannot read its own table`, `read the datasets and models it is made from, in ${definedIn}`, { cause: err });
  }
  throw new DefinitionError(
    `${definedIn}: its SQL fails on the data: ${message.split('\n')[0]}`,
    `fix the SQL in ${definedIn} (TRY_CAST gives NULL where CAST fails on a value), then \`${DATALAKE} run\`; \`${DATALAKE} check\` compiles SQL but does not run it on the data`,
    { cause: err },
  );
}

