import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

/**
 * Admin access: when API_KEY is set, `Authorization: Bearer <key>`. Keys are compared as SHA-256
 * digests with timingSafeEqual, so the comparison takes the same time whatever the key.
 */
export class AdminAuth {
  private readonly digest: Buffer | undefined;

  constructor(apiKey: string | undefined) {
    this.digest = apiKey ? sha256(apiKey) : undefined;
  }

  get enabled(): boolean {
    return this.digest !== undefined;
  }

  isAdmin(request: FastifyRequest): boolean {
    if (!this.digest) return false;
    const header = request.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    if (bearer) return timingSafeEqual(sha256(bearer[1]!.trim()), this.digest);
    // A browser (the queue dashboard) sends the key as the password of HTTP Basic auth.
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!basic) return false;
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    return timingSafeEqual(sha256(decoded.slice(decoded.indexOf(':') + 1)), this.digest);
  }

  /** A preHandler for routes that need the key when one is configured. */
  readonly require = async (request: FastifyRequest): Promise<void> => {
    if (this.enabled && !this.isAdmin(request)) {
      throw new HttpError(401, 'this endpoint needs `Authorization: Bearer <API_KEY>`', { 'www-authenticate': 'Bearer' });
    }
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
