import dns from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientError } from './error-replies.js';

export interface Listening {
  /** The port bound (PORT=0: the one the system gave). */
  port: number;
  /** Stops taking connections, closes the idle ones, and resolves once the others have ended. */
  close(): Promise<void>;
}

/**
 * Plain HTTP servers on HOST:PORT handing every request to `handle`; HOST=localhost binds each of its
 * addresses (127.0.0.1 and ::1 where both are), as Fastify's listen does. Fastify's does not with a
 * server of one's own (its serverFactory), and the servers here outlive the apps they hand requests to.
 */
export async function listenOn(host: string, port: number, handle: http.RequestListener): Promise<Listening> {
  const servers: http.Server[] = [];
  const bind = (at: string, onPort: number) => {
    const server = http.createServer(handle);
    // Fastify's defaults, which it sets on the servers of its own making.
    server.keepAliveTimeout = 72_000;
    server.requestTimeout = 0;
    server.on('clientError', clientError);
    return new Promise<http.Server>((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, at, () => {
        server.off('error', reject);
        servers.push(server);
        resolve(server);
      });
    });
  };
  const bound = (await bind(host, port)).address() as AddressInfo;
  if (host === 'localhost') {
    for (const { address } of await dns.lookup(host, { all: true }).catch(() => [])) {
      // An address this machine cannot bind (no IPv6) is left out, as Fastify leaves it.
      if (address !== bound.address) await bind(address, bound.port).catch(() => undefined);
    }
  }
  return {
    port: bound.port,
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeIdleConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
