import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

export type Role = 'reader' | 'admin';

/**
 * API keys with roles. `API_KEY` is an admin key; `API_KEYS="admin:<key>,reader:<key>"` adds more. A
 * reader may use the lake explorer (personal data masked); an admin also sees personal data, starts
 * runs and opens the queue dashboard. KPI reads stay public. Keys are compared as SHA-256 digests with
 * timingSafeEqual, every key every time, so the time taken says nothing about the keys.
 * Without any key, nothing needs one (a laptop), and personal data stays masked.
 */
export class ApiAuth {
  private readonly keys: { role: Role; digest: Buffer }[];

  constructor(keys: { role: Role; key: string }[]) {
    this.keys = keys.map((k) => ({ role: k.role, digest: sha256(k.key) }));
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The role of the key the request presents: `Authorization: Bearer <key>`, or Basic auth with the key as password (a browser). */
  roleOf(request: FastifyRequest): Role | undefined {
    const presented = presentedKey(request.headers.authorization ?? '');
    if (presented === undefined) return undefined;
    const digest = sha256(presented);
    let role: Role | undefined;
    for (const k of this.keys) if (timingSafeEqual(digest, k.digest) && role !== 'admin') role = k.role;
    return role;
  }

  isAdmin(request: FastifyRequest): boolean {
    return this.roleOf(request) === 'admin';
  }

  /** A preHandler for admin endpoints, when keys are configured. */
  readonly requireAdmin = async (request: FastifyRequest): Promise<void> => this.require(request, 'admin');
  /** A preHandler for endpoints a reader key opens (the explorer), when keys are configured. */
  readonly requireReader = async (request: FastifyRequest): Promise<void> => this.require(request, 'reader');

  private require(request: FastifyRequest, needed: Role): void {
    const denied = this.denial(request, needed);
    if (denied) throw denied;
  }

  /** Why the request may not use an endpoint that needs `needed` (401 no or unknown key, 403 too weak a key), or undefined. */
  denial(request: FastifyRequest, needed: Role): HttpError | undefined {
    if (!this.enabled) return undefined;
    const role = this.roleOf(request);
    if (!role) {
      const which = needed === 'admin' ? 'an admin key' : `a ${needed} or admin key`;
      // A key sent but unknown is told apart from none: a typo or an old key, not a forgotten header.
      const message = presentedKey(request.headers.authorization ?? '') === undefined
        ? `this endpoint needs an API key (${needed === 'admin' ? 'admin' : `${needed} or admin`}): \`Authorization: Bearer <API_KEY>\``
        : `the API key given is not valid: send ${which} (API_KEY or one of API_KEYS) as \`Authorization: Bearer <key>\``;
      return new HttpError(401, message, { 'www-authenticate': 'Bearer' });
    }
    if (needed === 'admin' && role !== 'admin') return new HttpError(403, 'this endpoint needs an admin key; the key given is a reader key');
    return undefined;
  }
}

function presentedKey(header: string): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
