import { loadProject } from './project/load.js';
import { locateProject, type ConfigOptions } from './project/locate.js';
import { buildConfig, type Config } from './settings.js';

export * from './settings.js';
export { locateProject, type ConfigOptions } from './project/locate.js';

/** The settings and the project's definitions, loaded and checked (the CLI reads them through a cache: cli/config.ts). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: ConfigOptions = {}): Config {
  const found = locateProject(env, options);
  return buildConfig(env, loadProject(found.dir, { builtIn: found.builtIn }));
}
