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

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
  type: string;
  body: unknown;
  get(header: string): string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverApp {
  middleware: Middleware[];
  store: { existsObject(bucket: string, key: string): Promise<boolean> };
}

/**
 * AWS S3 and MinIO honour `If-None-Match: *` on PutObject (an exclusive create); s3rver ignores it.
 * This middleware gives s3rver the same contract, so the tests exercise the lake as it runs against
 * the services it targets: requests for one key are taken one at a time, and a create of a key that
 * exists answers 412 PreconditionFailed.
 */
function conditionalWrites(app: S3rverApp): Middleware {
  const queue = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    // The SDK adds `?x-id=PutObject`; any other parameter (a part upload, an ACL...) is not a create.
    const isCreate = ctx.method === 'PUT' && ctx.get('if-none-match') === '*' && Object.keys(ctx.query).every((name) => name === 'x-id');
    if (!isCreate) return next();
    const [bucket = '', ...rest] = ctx.path.slice(1).split('/').map(decodeURIComponent);
    const key = rest.join('/');
    const slot = `${bucket}/${key}`;
    const previous = queue.get(slot) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    queue.set(slot, mine);
    await previous;
    try {
      if (await app.store.existsObject(bucket, key)) {
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
          '<Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>';
        return;
      }
      await next();
    } finally {
      if (queue.get(slot) === mine) queue.delete(slot);
      done();
    }
  };
}

/**
 * An S3-protocol server (s3rver) on 127.0.0.1, on a free port (or the given one), in a temporary (or the
 * given) folder. It honours conditional writes as AWS and MinIO do, unless `conditionalWrites: false`
 * (an older or simpler S3 service).
 */
export async function startS3Server(options: { port?: number; directory?: string; conditionalWrites?: boolean } = {}): Promise<TestS3Server> {
  const directory = options.directory ?? (await fs.mkdtemp(path.join(os.tmpdir(), 's3rver-')));
  const server = new S3rver({ address: '127.0.0.1', port: options.port ?? 0, silent: true, directory });
  // Koa composes its middleware when it starts listening, so one put first runs before s3rver's own.
  if (options.conditionalWrites !== false) (server as S3rverApp).middleware.unshift(conditionalWrites(server as S3rverApp));
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
