import type { Project } from '../project/types.js';
import type { Config } from '../settings.js';

/**
 * The project a CLI command works on: a project whose definition files have not changed since it last
 * loaded is read from the cache (project/cache.ts), without parsing its YAML or loading the modules
 * that check it.
 */
export async function cliProject(projectFlag: string | undefined): Promise<Project> {
  const found = (await import('../project/locate.js')).locateProject(process.env, { project: projectFlag });
  const cache = (await import('../project/cache.js')).cachedProject(found);
  return cache.project ?? cache.store((await import('../project/load.js')).loadProject(found.dir, { builtIn: found.builtIn }));
}

/** The settings and the project, as a CLI command loads them. */
export async function cliConfig(projectFlag: string | undefined): Promise<Config> {
  const project = await cliProject(projectFlag);
  return (await import('../settings.js')).buildConfig(process.env, project);
}
