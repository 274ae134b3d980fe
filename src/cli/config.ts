import type { Config } from '../settings.js';

/**
 * The settings and the project, as a CLI command loads them: a project whose definition files have
 * not changed since it last loaded is read from the cache (project/cache.ts), without parsing its YAML
 * or loading the modules that check it.
 */
export async function cliConfig(projectFlag: string | undefined): Promise<Config> {
  const { buildConfig, locateProject } = await import('../settings.js');
  const found = locateProject(process.env, { project: projectFlag });
  const cache = (await import('../project/cache.js')).cachedProject(found);
  const project = cache.project ?? cache.store((await import('../project/load.js')).loadProject(found.dir, { builtIn: found.builtIn }));
  return buildConfig(process.env, project);
}
