import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { DATALAKE } from '../command-name.js';

/** The example project shipped with the package: the seed's shop. */
export const BUILT_IN_PROJECT = fileURLToPath(new URL('../../examples/shop/', import.meta.url));

/**
 * Which project a command works on: `--project DIR`, else DATALAKE_PROJECT, else the nearest
 * datalake.yml in the working folder or its parents, else the built-in shop.
 */
export function findProject(flag: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): { dir: string; builtIn: boolean } {
  const given = flag ?? (env['DATALAKE_PROJECT']?.trim() || undefined);
  if (given !== undefined) {
    const dir = path.resolve(cwd, given);
    if (!existsSync(path.join(dir, 'datalake.yml'))) {
      const where = flag !== undefined ? '--project' : 'DATALAKE_PROJECT';
      // datalake.yml itself, or a CSV file: the project is a folder.
      if (existsSync(dir) && !statSync(dir).isDirectory()) {
        const parent = path.basename(dir) === 'datalake.yml' ? path.dirname(given) || '.' : undefined;
        throw new UserError(`${where} ${given}: a file, not a project folder`, parent ? `give its folder: ${where === '--project' ? `--project ${parent}` : `DATALAKE_PROJECT=${parent}`}` : `point ${where} at the folder holding datalake.yml (\`${DATALAKE} init <folder> --from-csv ${given}\` makes one from a CSV file)`);
      }
      throw new UserError(`${where} ${given}: ${existsSync(dir) ? 'that folder has no datalake.yml' : 'no such folder'}`, `create a project there with \`${DATALAKE} init ${given}\`, or point ${where} at a folder holding datalake.yml`);
    }
    return { dir, builtIn: false };
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'datalake.yml'))) return { dir, builtIn: false };
    if (path.dirname(dir) === dir) break;
  }
  return { dir: path.resolve(BUILT_IN_PROJECT), builtIn: true };
}
