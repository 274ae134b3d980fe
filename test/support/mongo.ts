import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import { freePort } from './net.js';
import os from 'node:os';
import path from 'node:path';

export interface TestMongo {
  uri: string;
  db: string;
  how: string;
  stop(): Promise<void>;
}

/**
 * A MongoDB for tests: MONGO_URI when set (a fresh database in it), else a `mongod` found on PATH
 * started on a free port in a temporary folder. Undefined when neither is possible.
 */
export async function startTestMongo(): Promise<TestMongo | undefined> {
  const db = `datalake_test_${process.pid}_${Date.now()}`;
  if (process.env['MONGO_URI']) {
    return { uri: process.env['MONGO_URI'], db, how: 'MONGO_URI', stop: async () => undefined };
  }
  if (spawnSync('mongod', ['--version']).status !== 0) return undefined;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mongod-'));
  const port = await freePort();
  const child: ChildProcess = spawn('mongod', ['--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dir, '--quiet'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    uri: `mongodb://127.0.0.1:${port}`,
    db,
    how: `mongod on port ${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
