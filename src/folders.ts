import { mkdirSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';

/**
 * `mkdir -p` for paths a user gives (DATA_DIR, `--out`, a project folder). Node's own recursive
 * mkdir never returns where a folder exists but refuses children with ENOENT (`/proc/x`): it makes
 * the parent, gets EEXIST, tries the child again, forever. Here each missing level is made once, so
 * that case is an ENOENT error like any other. Returns the first folder made, as `fs.mkdir` does.
 */
export async function makeFolder(dir: string): Promise<string | undefined> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !(await exists(at)); at = path.dirname(at)) missing.unshift(at);
  for (const level of missing) await fs.mkdir(level).catch(unlessExists);
  // Where a file has the folder's name, mkdir's own EEXIST names the path.
  if (!missing.length && !(await fs.stat(dir)).isDirectory()) await fs.mkdir(dir);
  return missing[0];
}

export function makeFolderSync(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !existsSync(at); at = path.dirname(at)) missing.unshift(at);
  for (const level of missing) {
    try {
      mkdirSync(level, mode);
    } catch (err) {
      unlessExists(err);
    }
  }
  if (!missing.length && !statSync(dir).isDirectory()) mkdirSync(dir);
}

// The root always exists, so each walk up ends.
async function exists(at: string): Promise<boolean> {
  return fs.stat(at).then(() => true, (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)));
}

function existsSync(at: string): boolean {
  try {
    statSync(at);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

// Another process making the same folder at the same moment is no error.
function unlessExists(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
}
