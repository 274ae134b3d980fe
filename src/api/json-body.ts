import { HttpError } from './http-errors.js';

/** The largest request body read, in bytes. */
export const BODY_LIMIT = 64 * 1024;

/**
 * Fastify's JSON parser refuses a `__proto__` key (prototype poisoning) as "not valid JSON", which it
 * is: this one says what is wrong. The parse is JSON.parse's, the keys refused secure-json-parse's.
 */
export function parseJsonBody(_request: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = String(body);
  if (!text.trim()) return done(new HttpError(400, 'the body is empty: send a JSON object with content-type: application/json'));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return done(new HttpError(400, `the body is not valid JSON (${(err as Error).message}): send a JSON object with content-type: application/json`));
  }
  const key = poisonKey(value);
  if (key) return done(new HttpError(400, `the body's key "${key}" is not allowed: remove it`));
  done(null, value);
}

/** A key that could reach an object's prototype once the body is copied: `__proto__`, or `constructor` holding `prototype`. */
function poisonKey(value: unknown): string | undefined {
  // A loop, not a recursion: 64 KiB of `[[[[` nests deeper than the stack goes.
  const pending = [value];
  while (pending.length) {
    const node = pending.pop();
    if (!node || typeof node !== 'object') continue;
    for (const [key, inner] of Object.entries(node)) {
      if (key === '__proto__') return key;
      if (key === 'constructor' && inner && typeof inner === 'object' && Object.hasOwn(inner, 'prototype')) return 'constructor.prototype';
      pending.push(inner);
    }
  }
  return undefined;
}
