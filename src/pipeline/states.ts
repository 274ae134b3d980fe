import { BRONZE_MANIFEST, currentVersion, GOLD_STATE, readJson, requireVersion, SILVER_STATE, type LakeObject, type LakeVersion, type ObjectStore } from '../lake/index.js';
import { datasetForFile } from '../project/globs.js';
import type { Project } from '../project/types.js';
import type { BronzeFile, Manifest } from './bronze.js';
import type { GoldState } from './gold/state.js';
import type { SilverState } from './silver/state.js';

/** What a version of the lake holds: bronze's manifest, silver's and gold's states (each names its objects). */
export interface LakeStates {
  /** The committed version these states are of; undefined for a lake never committed to. */
  version: LakeVersion | undefined;
  manifest: Manifest;
  silver: SilverState | undefined;
  gold: GoldState | undefined;
}

/**
 * The states of a version (default: the current one). A lake written before versions existed has its
 * states at fixed keys (`silver/_state.json`...): they are read as the lake's version 0.
 */
export async function readStates(lake: ObjectStore, project: Project, which?: number | LakeVersion): Promise<LakeStates> {
  const version = typeof which === 'number' ? await requireVersion(lake, which) : (which ?? (await currentVersion(lake)));
  const at = (name: 'bronze' | 'silver' | 'gold', legacy: LakeObject) => (version ? version.states[name] : legacy);
  const read = async <T>(where: LakeObject | undefined) => (where ? readJson<T>(lake, where) : undefined);
  return {
    version,
    manifest: normalizeManifest(project, await read(at('bronze', BRONZE_MANIFEST))),
    silver: await read<SilverState>(at('silver', SILVER_STATE)),
    gold: await read<GoldState>(at('gold', GOLD_STATE)),
  };
}

/** Bronze's manifest alone, of a version (undefined: a lake from before versions, or never committed to). */
export async function readManifest(lake: ObjectStore, project: Project, version: LakeVersion | undefined): Promise<Manifest> {
  const at = version ? version.states.bronze : BRONZE_MANIFEST;
  return normalizeManifest(project, at ? await readJson<Manifest | LegacyManifest>(lake, at) : undefined);
}

type LegacyManifest = { files: Record<string, Omit<BronzeFile, 'seq' | 'name' | 'dataset' | 'version' | 'ingestDate' | 'origin'>> };

function normalizeManifest(project: Project, parsed: Manifest | LegacyManifest | undefined): Manifest {
  if (!parsed) return { format: 2, files: [] };
  if (Array.isArray(parsed.files)) return parsed as Manifest;
  // A lake written before file versions existed: one flat entry per name, each its first version.
  const files = Object.entries((parsed as LegacyManifest).files).flatMap(([name, e], i) => {
    const dataset = datasetForFile(project, name)?.name;
    return dataset ? [{ ...e, seq: i + 1, name, dataset, version: 1, ingestDate: e.ingestedAt.slice(0, 10), origin: 'folder' as const }] : [];
  });
  return { format: 2, files };
}

/**
 * The version a run is building: the states it started from (the current version, read once the run
 * holds the lake), replaced task by task as they finish. Nothing of it is visible until it is committed.
 */
export class VersionDraft {
  private loaded: Promise<LakeStates> | undefined;
  private readonly changes: Partial<Omit<LakeStates, 'version'>> = {};

  constructor(
    private readonly lake: ObjectStore,
    private readonly project: Project,
  ) {}

  /** The committed version the draft builds on. */
  async base(): Promise<LakeStates> {
    this.loaded ??= readStates(this.lake, this.project);
    return this.loaded;
  }

  async manifest(): Promise<Manifest> {
    return this.changes.manifest ?? (await this.base()).manifest;
  }
  async silver(): Promise<SilverState | undefined> {
    return 'silver' in this.changes ? this.changes.silver : (await this.base()).silver;
  }
  async gold(): Promise<GoldState | undefined> {
    return 'gold' in this.changes ? this.changes.gold : (await this.base()).gold;
  }

  setManifest(manifest: Manifest): void {
    this.changes.manifest = manifest;
  }
  setSilver(state: SilverState): void {
    this.changes.silver = state;
  }
  setGold(state: GoldState): void {
    this.changes.gold = state;
  }

  /** Which states this run replaced. */
  changed(): ('bronze' | 'silver' | 'gold')[] {
    return [...(this.changes.manifest ? ['bronze' as const] : []), ...('silver' in this.changes ? ['silver' as const] : []), ...('gold' in this.changes ? ['gold' as const] : [])];
  }
}
