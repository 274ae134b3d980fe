import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cachedProject } from './cache.js';
import { loadProject } from './load.js';
import { BUILT_IN_PROJECT } from './resolve.js';

let root: string;
let dir: string;
before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'project-cache-'));
  dir = path.join(root, 'shop');
  await fs.cp(BUILT_IN_PROJECT, dir, { recursive: true });
});
after(() => fs.rm(root, { recursive: true, force: true }));

test('the cached project is the loaded one, positions included; a file rewritten with the same content still hits', async () => {
  const env = { XDG_CACHE_HOME: path.join(root, 'c1') };
  const found = { dir, builtIn: false };
  const miss = cachedProject(found, env);
  assert.equal(miss.project, undefined);
  const loaded = miss.store(loadProject(dir));
  assert.deepEqual(cachedProject(found, env).project, loaded);
  assert.ok(cachedProject(found, env).project!.sqlOrigins instanceof Map);
  await fs.writeFile(path.join(dir, 'kpis', 'resume.yml'), await fs.readFile(path.join(dir, 'kpis', 'resume.yml')));
  assert.deepEqual(cachedProject(found, env).project, loaded);
  // One byte changed, the size the same: a miss.
  const resume = path.join(dir, 'kpis', 'resume.yml');
  const original = await fs.readFile(resume);
  const changed = Buffer.from(original);
  changed[changed.length - 2] = changed[changed.length - 2] === 0x41 ? 0x42 : 0x41;
  await fs.writeFile(resume, changed);
  assert.equal(cachedProject(found, env).project, undefined);
  await fs.writeFile(resume, original);
  assert.deepEqual(cachedProject(found, env).project, loaded);
  // The built-in flag is part of the key.
  assert.equal(cachedProject({ dir, builtIn: true }, env).project, undefined);
  // A new file in a definition folder is a change.
  await fs.writeFile(path.join(dir, 'models', 'notes.txt'), 'x');
  assert.equal(cachedProject(found, env).project, undefined);
  await fs.rm(path.join(dir, 'models', 'notes.txt'));
});

test('the cache keeps the 64 projects used last; a folder it cannot write means no cache, not an error', async () => {
  const home = path.join(root, 'c2');
  const folder = path.join(home, 'datalake');
  await fs.mkdir(folder, { recursive: true });
  const old = new Date(Date.now() - 86_400_000);
  for (let i = 0; i < 70; i++) {
    const f = path.join(folder, `project-old${i}.json`);
    await fs.writeFile(f, '{}');
    await fs.utimes(f, old, old);
  }
  const found = { dir, builtIn: false };
  cachedProject(found, { XDG_CACHE_HOME: home }).store(loadProject(dir));
  const left = await fs.readdir(folder);
  assert.equal(left.length, 64);
  assert.equal(left.filter((f) => !f.startsWith('project-old')).length, 1, 'the new entry is kept');

  const blocked = path.join(root, 'not-a-folder');
  await fs.writeFile(blocked, '');
  const none = cachedProject(found, { XDG_CACHE_HOME: blocked });
  assert.equal(none.project, undefined);
  assert.ok(none.store(loadProject(dir)).kpis.length > 0);
  // A folder that exists but refuses children (Node's recursive mkdir spun there forever).
  if (process.platform === 'linux') assert.ok(cachedProject(found, { XDG_CACHE_HOME: '/proc/no-cache-here' }).store(loadProject(dir)).kpis.length > 0);
});
