import type { Config } from '../config.js';
import { SqliteServingStore } from './sqlite.js';
import type { ServingStore } from './store.js';

export type { Condition, KpiTable, PublishInfo, ReadOptions, ServingStore } from './store.js';

/** The embedded SQLite store; MongoDB comes with production mode. */
export function openServingStore(config: Config): ServingStore {
  return new SqliteServingStore(config.servingDbPath);
}
