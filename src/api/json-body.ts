import { scan } from 'secure-json-parse';
import { HttpError } from './http-errors.js';

/** The largest request body read, in bytes. */
export const BODY_LIMIT = 64 * 1024;

/**
 * Fastify's JSON parser refuses a `__proto__` key (prototype poisoning) as "not valid JSON", which it
 * is: this one says what is wrong. The parse is JSON.parse's, the keys refused secure-json-parse's (poisonKey).
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
  const key = poisonKey(text, value);
  if (key) return done(new HttpError(400, `the body's key "${key}" is not allowed: remove it`));
  done(null, value);
}

/**
 * A key that could reach an object's prototype once the body is copied, as secure-json-parse (Fastify's
 * own check) finds them: `__proto__`, or `constructor` holding `prototype`. Looked for only in a text
 * naming one, as that library does; each asked apart, since it words both alike.
 */
function poisonKey(text: string, value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || !/__proto__|constructor/.test(text)) return undefined;
  if (scan(value, { protoAction: 'error', constructorAction: 'ignore', safe: true }) === null) return '__proto__';
  if (scan(value, { protoAction: 'ignore', constructorAction: 'error', safe: true }) === null) return 'constructor.prototype';
  return undefined;
}
