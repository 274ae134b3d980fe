import { existsSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import path from 'node:path';
import { findProject } from './resolve.js';

/*
 * Which project a command works on, and the `.env` files read on the way. Apart from the settings
 * (settings.ts): a command that needs only the project's definitions (`kpis`) does not build them.
 */

const envFilesLoaded = new Set<string>();

/** Loads a `.env` file once; variables already set in the environment (or by an earlier file) win. */
function loadEnvFile(dir: string): void {
  const file = path.resolve(dir, '.env');
  if (envFilesLoaded.has(file)) return;
  envFilesLoaded.add(file);
  if (!existsSync(file)) return;
  // Node's own error for a folder says "should be a valid string", naming nothing to do.
  if (!statSync(file).isFile()) throw new UserError(`${file} is not a file`, 'remove or rename it: .env is a file of NAME=value lines');
  process.loadEnvFile(file);
}

export interface ConfigOptions {
  /** Read `.env` files (only when `env` is process.env). */
  envFile?: boolean;
  /** The --project option: a project folder. */
  project?: string;
}

/**
 * Loads the `.env` files (the working folder's, then the project's) and finds the project a command
 * works on; its definitions are loaded by the caller (config.ts, or the CLI through its cache).
 */
export function locateProject(env: NodeJS.ProcessEnv = process.env, options: ConfigOptions = {}): { dir: string; builtIn: boolean } {
  const envFiles = options.envFile !== false && env === process.env;
  if (envFiles) loadEnvFile('.');
  const found = findProject(options.project, env);
  if (envFiles && !found.builtIn) loadEnvFile(found.dir);
  return found;
}

