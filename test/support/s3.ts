import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';

export interface TestS3Server {
  endpoint: string;
  port: number;
  directory: string;
  /** Stops the server; with keepData its folder stays, so a server started on it again has the same objects. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** An S3-protocol server (s3rver) on 127.0.0.1, on a free port (or the given one), in a temporary (or the given) folder. */
export async function startS3Server(options: { port?: number; directory?: string } = {}): Promise<TestS3Server> {
  const directory = options.directory ?? (await fs.mkdtemp(path.join(os.tmpdir(), 's3rver-')));
  const server = new S3rver({ address: '127.0.0.1', port: options.port ?? 0, silent: true, directory });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    directory,
    async close({ keepData = false } = {}) {
      await server.close();
      if (!keepData) await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

/** s3rver's fixed credentials. */
export const S3RVER_KEYS = { MINIO_ACCESS_KEY: 'S3RVER', MINIO_SECRET_KEY: 'S3RVER' };
