import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { SOURCE_EXTENSION, SOURCE_EXTENSIONS_SAID } from '../lake/keys.js';
import { binaryKind, notTableText } from '../pipeline/encoding-problem.js';

/** The files `init --from-csv` is given: which it refuses and why, which are the same. */

/** Two files of equal bytes (compared when their sizes are equal and at most 64 MiB). */
export async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([fs.stat(a), fs.stat(b)]);
  if (x.size !== y.size || x.size > 64 << 20) return false;
  return (await fs.readFile(a)).equals(await fs.readFile(b));
}

/** `.csv`, `.tsv`, `.txt`, `.dat` or `.data`, as the file's name ends (whatever its case). */
export function sourceExtension(file: string): string {
  return `.${SOURCE_EXTENSION.exec(file)?.[1]?.toLowerCase() ?? 'csv'}`;
}

/**
 * The one line for a file bronze would never read, with what to do about it. A workbook, JSON or
 * Parquet file is told by its first bytes: renaming it to .csv would not make it a table.
 */
export async function notReadByBronze(file: string): Promise<UserError> {
  const name = path.basename(file);
  if (name.startsWith('.')) return new UserError(`${name}: a hidden file (its name starts with a dot), which bronze does not read`, `rename it, e.g. ${name.replace(/^\.+/, '')}`);
  const packed = /\.(gz|zip|bz2|xz|zst)$/i.exec(name);
  if (packed) return new UserError(`${name} is compressed (.${packed[1]!.toLowerCase()}): bronze reads ${SOURCE_EXTENSIONS_SAID} text files`, 'decompress it first, then give the text file');
  const start = Buffer.alloc(512);
  const handle = await fs.open(file, 'r');
  const { bytesRead } = await handle.read(start, 0, start.length, 0).finally(() => handle.close());
  const head = start.subarray(0, bytesRead);
  const kind = binaryKind(name, head) ?? notTableText(name, head.toString('utf8').split(/\r?\n/)[0] ?? '');
  if (kind) return kind;
  return new UserError(`${name}: bronze reads ${SOURCE_EXTENSIONS_SAID} files only`, `rename it, e.g. ${name.replace(/\.[^.]*$/, '')}.csv`);
}
