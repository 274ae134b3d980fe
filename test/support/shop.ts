import { loadProject } from '../../src/project/load.js';
import { BUILT_IN_PROJECT } from '../../src/project/resolve.js';
import type { DatasetSpec, Project } from '../../src/project/types.js';

/** The built-in shop project (examples/shop), as the pipeline sees it. */
export const SHOP_PROJECT: Project = loadProject(BUILT_IN_PROJECT, { builtIn: true });

export function shopDataset(name: 'clients' | 'achats'): DatasetSpec {
  return SHOP_PROJECT.datasets.find((d) => d.name === name)!;
}
