import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The handler calls checkQuery itself, or the route takes no query: no preHandler hook on it (the KPI reads, /health). */
    checksQuery?: boolean;
  }
}

/**
 * Ajv coerces with Number(): "1e309" becomes Infinity, "0x10" 16. Numbers must be written as decimals,
 * and a day must exist in the calendar (the pattern lets 2025-02-31 through), as a range's month must. Nothing to check without
 * a query string (the schemas' defaults are decimal): most requests pass at once.
 */
export function checkQuery(request: FastifyRequest): HttpError | undefined {
  const at = request.url.indexOf('?');
  if (at === -1) return undefined;
  const raw = new URLSearchParams(request.url.slice(at + 1));
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || !/^\s*-?\d+(\.\d+)?\s*$/.test(raw.get(name) ?? String(value)))) {
      return new HttpError(400, `invalid query parameter "${name}": must be a number written in decimal digits`);
    }
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !isCalendarDay(value)) {
      return new HttpError(400, `invalid query parameter "${name}": ${value} is not a day of the calendar`);
    }
    // A range bound on a text column of months (`2026-03`) too: `2025-13` would compare as text and select a surprise.
    if ((name === 'from' || name === 'to') && typeof value === 'string' && /^\d{4}-\d{2}$/.test(value) && !isCalendarDay(`${value}-01`)) {
      return new HttpError(400, `invalid query parameter "${name}": ${value} is not a month of the calendar`);
    }
  }
  return undefined;
}

/** checkQuery as a preHandler hook, synchronous. */
export function checkQueryHook(request: FastifyRequest, _reply: unknown, done: (err?: Error) => void): void {
  done(checkQuery(request));
}

function isCalendarDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}
