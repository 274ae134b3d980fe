import path from 'node:path';
import { initFromCsv, initShop } from '../../project/init.js';
import { TerminalProgress } from '../progress.js';
import { DATALAKE } from '../../command-name.js';

export interface InitFlags {
  fromCsv?: string[];
  json?: boolean;
}

/** `datalake init [dir] [--from-csv files...]`: a project folder, the shop example or definitions inferred from CSV files. */
export async function initCommand(dir: string, flags: InitFlags): Promise<void> {
  const shown = path.relative(process.cwd(), path.resolve(dir)) || '.';
  const project = shown === '.' ? '' : ` --project ${shown.includes(' ') ? JSON.stringify(shown) : shown}`;
  if (flags.fromCsv) {
    const r = await initFromCsv(dir, flags.fromCsv, new TerminalProgress());
    if (flags.json) return console.log(JSON.stringify(r, null, 2));
    console.log(`project ${r.name} written to ${r.dir}`);
    for (const d of r.datasets) {
      console.log(`  datasets/${d.name}.yml  from ${d.file}: ${d.rows} rows, ${d.columns} columns, ${d.key.length ? `key ${d.key.join(', ')}` : 'no key (rows appended)'}${d.delimiter !== ',' ? `, delimiter ${JSON.stringify(d.delimiter)}` : ''}${!d.header ? `, no header line: columns named by position, to rename (header: false)${d.skipLines ? `, rows after ${d.skipLines} line${d.skipLines > 1 ? 's' : ''} (skip_lines)` : ''}` : d.skipLines ? `, header after ${d.skipLines} line${d.skipLines > 1 ? 's' : ''} (skip_lines)` : ''}${d.headerRows === 2 ? ", two header lines, questions then answers' labels, naming the columns together (header_rows: 2)" : ''}${d.emptyRows ? `; ${d.emptyRows} empty row${d.emptyRows > 1 ? 's' : ''} (every field empty) left out, as \`run\` leaves ${d.emptyRows > 1 ? 'them' : 'it'} out` : ''}${d.unreadLines ? `; ${d.unreadLines} line${d.unreadLines > 1 ? 's' : ''} not read (more or fewer fields than the header, a quote left open, or over 1 MiB?): \`run\` quarantines each with its reason` : ''}${d.bareCrLines ? `; ${d.bareCrLines} line${d.bareCrLines > 1 ? 's' : ''} with a carriage return (CR) inside an unquoted field not read: \`run\` quarantines ${d.bareCrLines > 1 ? 'them' : 'it'} (quote the field or remove the CR)` : ''}`);
      for (const line of d.check) console.log(`    check ${line}`);
    }
    console.log(`  kpis/${r.kpi}.yml  a starter KPI`);
    console.log(`next: read and edit the definitions, then
  ${DATALAKE} check${project}
  ${DATALAKE} run${project}
  ${DATALAKE} serve${project}`);
    return;
  }
  const r = await initShop(dir);
  if (flags.json) return console.log(JSON.stringify(r, null, 2));
  console.log(`project ${r.name} written to ${r.dir}: the shop example (datalake.yml, datasets/, models/, kpis/) and its sample data in sources/`);
  console.log(`next:
  ${DATALAKE} run${project}
  ${DATALAKE} serve${project}`);
}
