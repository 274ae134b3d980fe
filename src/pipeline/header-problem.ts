import type { DatasetSpec } from '../project/types.js';
import { headerKey, type HeaderMatch } from './csv-header.js';
import { DATALAKE } from '../command-name.js';

// Why a file's header (its first record, after `skip_lines`) cannot be read as its dataset's, in one
// line and a hint: bronze, silver and `check --sources` say it alike.

/**
 * Why a file cannot be read as its dataset (a required column missing, a column named twice, not one
 * declared column named), as a one-line message and a hint, or undefined when it can.
 */
export function headerProblem(fileName: string, header: string[], match: HeaderMatch, spec: DatasetSpec): { message: string; hint: string } | undefined {
  if (spec.headerless) return headerlessProblem(fileName, header, spec);
  const expected = Object.keys(spec.columns).filter((c) => spec.columns[c]!.required);
  if (match.ambiguous.length) {
    // Said whole in the message: a file waiting in quarantine shows its message alone.
    const { headers, columns } = match.ambiguous[0]!;
    const said = headers.map((h) => JSON.stringify(h));
    const which = `${said.slice(0, -1).join(', ')} and ${said.at(-1)}`;
    return {
      message: `${fileName}: headers ${which} differ only by case, spaces or punctuation, and nothing says which fills ${columns.join(' and which ')} (by their order, another file's order would swap their values): give each of those columns in datasets/${spec.name}.yml its exact header, ${said.map((h) => `header: ${h}`).join(' on one, ')} on ${said.length > 2 ? 'another' : 'the other'}`,
      hint: `e.g. ${columns[0]}: { type: ${spec.columns[columns[0]!]!.type}, header: ${said[0]} } if that is its header in the files: each column is then matched by its exact spelling, in any order`,
    };
  }
  if (match.duplicated.length) {
    const name = match.duplicated[0]!;
    return {
      message: `${fileName}: column "${name}" appears twice in the header`,
      hint: `declare ${name}_2 in datasets/${spec.name}.yml for the second one (\`${DATALAKE} check --sources\` prints the line), or name each column once`,
    };
  }
  const missing = match.missingRequired;
  // Not one declared column named (all of them optional): every row would be read empty and dropped.
  const unmatched = match.names.every((n) => n.startsWith('_extra_'));
  // Under half the declared columns named, beside a number naming none: a row taken for the header (a
  // file without one). Read so, its rows would be rows of missing values, dropped as duplicates.
  const declared = Object.keys(spec.columns).length;
  const named = new Set(match.names.filter((n) => !n.startsWith('_extra_'))).size;
  const rowLike = named * 2 < declared && header.some((h, i) => match.names[i]!.startsWith('_extra_') && /^[+-]?[0-9][0-9.,]*$/.test(h.trim()));
  if (!missing.length && !unmatched && !rowLike) return undefined;
  const raw = shown(header.join(spec.delimiter));
  const other = [',', ';', '\t', '|'].find((d) => d !== spec.delimiter && header.length === 1 && raw.includes(d === '\t' ? '\\t' : d));
  const names: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
  const separator = other ? ` (it looks ${names[other]}-separated: save it with ${names[spec.delimiter] ?? `"${spec.delimiter}"`}s, or set delimiter: "${other === '\t' ? '\\t' : other}" in datasets/${spec.name}.yml)` : '';
  // Under half the declared fields: maybe a title or notes above the header, as some exports write. No
  // declared column: a row (no header, or skip_lines too large) or a title taken for the header.
  const narrow = header.length * 2 < Object.keys(spec.columns).length;
  const notes = other
    ? ''
    : narrow
      ? ` (lines before the header, such as a title or notes? set skip_lines: <their number> in datasets/${spec.name}.yml)`
      : unmatched || (rowLike && !missing.length)
        ? ` (is that line a row or a title? ${spec.headerRows ? `the two header lines (header_rows: 2)${spec.skipLines! > 1 ? ` after the ${spec.skipLines! - 1} that skip_lines skips` : ''}` : spec.skipLines ? `the line after the ${spec.skipLines} that skip_lines skips` : 'the first line'} must name the columns)`
        : '';
  const what = missing.length ? `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : unmatched ? 'no field of its header names a declared column' : `its header names ${named} of the ${declared} declared columns, beside numbers`;
  return {
    message: `${fileName}: ${what} (the header has: ${raw || 'nothing'})${separator}${notes}`,
    hint: expected.length ? `the header must name each of: ${expected.join(spec.delimiter)} (case, spaces and punctuation do not matter)` : `a first line must name the columns: ${Object.keys(spec.columns).join(spec.delimiter)} (case, spaces and punctuation do not matter)`,
  };
}

/**
 * Why a file of a dataset without header lines (`header: false`) cannot be read so: its first record
 * has another number of fields than the declared columns (read in order, each would be another's
 * value), or it names them (a header, which would be read as a row).
 */
function headerlessProblem(fileName: string, fields: string[], spec: DatasetSpec): { message: string; hint: string } | undefined {
  const declared = Object.keys(spec.columns);
  const first = `${spec.skipLines ? `line ${spec.skipLines + 1}` : 'first line'}`;
  if (fields.length !== declared.length) {
    return {
      message: `${fileName}: its ${first} has ${fields.length} field${fields.length === 1 ? '' : 's'} where datasets/${spec.name}.yml declares ${declared.length} columns, read in order (header: false) (${first}: ${shown(fields.join(spec.delimiter))})`,
      hint: `declare one column per field, in the file's order${fields.length === 1 ? `, or check the delimiter ("${spec.delimiter === '\t' ? '\\t' : spec.delimiter}")` : ''}`,
    };
  }
  const named = fields.filter((f, i) => f.trim() !== '' && headerKey(f) === headerKey(declared[i]!)).length;
  // Or words without a digit where every column of numbers or dates has its value (`city,population,founded`
  // over columns named column_1...): names, no row.
  const typed = declared.flatMap((c, i) => (['integer', 'number', 'decimal', 'date', 'timestamp'].includes(spec.columns[c]!.type) ? [i] : []));
  const words = typed.length > 0 && typed.every((i) => /^[^0-9]*\p{L}[^0-9]*$/u.test(fields[i]!.trim()));
  if (named * 2 <= declared.length && !words) return undefined;
  return {
    message: `${fileName}: its ${first} names the columns (${shown(fields.join(spec.delimiter))}), but datasets/${spec.name}.yml says header: false: it would be read as a row`,
    hint: `remove header: false from datasets/${spec.name}.yml if the dataset's files have a header line, or that line from this file`,
  };
}


/** A header as a message can show it: control characters escaped, at most 120 characters. */
function shown(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 120 ? `${escaped.slice(0, 117)}...` : escaped;
}
