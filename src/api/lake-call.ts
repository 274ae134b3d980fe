import { UnknownVersionError } from '../lake/index.js';
import { HttpError, unavailable } from './http-errors.js';

/** Lake failures (S3 down) are the server's environment, not the client's fault: 503. A version not kept is a 404. */
export async function lakeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof UnknownVersionError) throw new HttpError(404, err.kept.length ? `${err.message} (GET /api/versions lists them)` : `${err.message}: ${err.hint}`, {}, 'unknown_version');
    // The server's own paths are no business of a client's.
    throw unavailable(`the lake is unavailable: ${(err as Error).message.replace(/(?:\/[^\s'",/]+){2,}/g, '<path>')}`);
  }
}
