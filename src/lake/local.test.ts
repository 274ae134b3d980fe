import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalObjectStore } from './local.js';
import { objectStoreContract } from './storage.contract.js';

objectStoreContract('folder driver', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-'));
  return { store: new LocalObjectStore(root), close: () => fs.rm(root, { recursive: true, force: true }) };
});
