import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from './net.js';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/** A throwaway `redis-server` (Debian's package) on a free port (or the one given), without persistence. Undefined when none is installed. */
export async function startTestRedis(fixedPort?: number): Promise<TestRedis | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = fixedPort ?? (await freePort());
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write('PING\r\n');
        socket.once('data', (d) => (socket.end(), resolve(d.toString().startsWith('+PONG'))));
      });
      socket.on('error', () => resolve(false));
    });
    if (up) {
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: async () => {
          child.kill('SIGKILL');
          await new Promise((resolve) => child.once('exit', resolve));
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

/**
 * The Redis of a distributed-mode test file, or undefined, said loudly, where redis-server is missing:
 * then the file's tests skip, unless DATALAKE_REQUIRE_REDIS is set (CI), where that is a failure.
 */
export async function redisOrSkip(): Promise<TestRedis | undefined> {
  const redis = await startTestRedis();
  if (!redis) {
    const message = 'SKIPPED: the distributed-mode tests need redis-server (apt-get install -y redis-server); .ci/run installs it';
    if (process.env['DATALAKE_REQUIRE_REDIS']) throw new Error(message.replace('SKIPPED', 'FAILED (DATALAKE_REQUIRE_REDIS is set)'));
    console.warn(`\n*** ${message} ***\n`);
  }
  return redis;
}
