import { HttpError, unavailable } from './http-errors.js';

/** Lake failures (S3 down) are the server's environment, not the client's fault: 503. */
export async function lakeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // The server's own paths are no business of a client's.
    throw unavailable(`the lake is unavailable: ${(err as Error).message.replace(/(?:\/[^\s'",/]+){2,}/g, '<path>')}`);
  }
}
