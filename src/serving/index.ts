import type { Config } from '../config.js';
import { MongoServingStore } from './mongo.js';
import { SqliteServingStore } from './sqlite.js';
import type { ServingStore } from './store.js';

export type { Condition, DataVersion, KpiTable, PublishInfo, ReadOptions, ServingStore } from './store.js';
export { publishedColumns } from './store.js';

/** MongoDB when MONGO_URI is set, else the embedded SQLite file. */
export function openServingStore(config: Config): ServingStore {
  return config.mongo ? new MongoServingStore(config.mongo.uri, config.mongo.db) : new SqliteServingStore(config.servingDbPath);
}
