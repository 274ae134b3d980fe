import { DAY_OR_MONTH, SORTABLE_TEXT } from './kpi-schema.js';
import { DATALAKE } from '../command-name.js';

/** The form of a run id, in a path, a query or a body. */
export const RUN_ID = '^[0-9A-Za-z.-]{1,64}$';

/**
 * Stable codes of the API's errors, for clients to match instead of message text (which may change):
 * every error body is `{ statusCode, code, error, message }`.
 */
export type ErrorCode =
  | 'bad_parameter'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'unreadable_object'
  | 'unknown_kpi'
  | 'unknown_version'
  | 'version_incompatible'
  | 'not_published'
  | 'kpi_changed'
  | 'lake_busy'
  | 'not_resumable'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

const BY_STATUS: Record<number, ErrorCode> = { 400: 'bad_parameter', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'lake_busy', 413: 'body_too_large', 415: 'unsupported_media_type', 429: 'rate_limited', 503: 'unavailable' };

export function codeForStatus(status: number): ErrorCode {
  return BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'bad_parameter');
}

/** An error with an HTTP status, a stable code and a message meant for the client (rendered as JSON by the app). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly code: ErrorCode = codeForStatus(statusCode),
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);
/** An object of the lake that is no CSV or Parquet its name says (a file dropped in the sources bucket): the request is fine, the object is not. */
export const unreadableObject = (message: string) => new HttpError(422, message, {}, 'unreadable_object');
export const notPublished = (message: string) => new HttpError(404, message, {}, 'not_published');
/** A KPI whose declaration changed since its last publish (kpiChangedSince's reason): 409. */
export function kpiChanged(reason: string): HttpError {
  return new HttpError(409, `${reason}; run the pipeline (\`${DATALAKE} run\`) to publish it`, {}, 'kpi_changed');
}
export const unavailable = (message: string) => new HttpError(503, message, { 'retry-after': '5' });

/** What a value refused by a pattern should look like: said in words, never as the regular expression. */
const PATTERN_FORMS: Record<string, string> = {
  [DAY_OR_MONTH]: 'must be a day YYYY-MM-DD or a month YYYY-MM (the range is of dates)',
  [SORTABLE_TEXT]: 'must be a value of the range column such as 2026-03 (letters, digits and :._- or spaces, at most 64 characters)',
  [RUN_ID]: 'must be a run id (letters, digits, dots and dashes, at most 64 characters; see /api/runs)',
};

export const NOTHING_PUBLISHED = `no KPI has been published yet: run the pipeline (\`${DATALAKE} run\`) first`;

/** A request's schema failure as one line naming the parameter (ajv's first error: `allErrors` is off). */
export function schemaError(errors: readonly { keyword: string; params: object; instancePath: string; message?: string; data?: unknown; parentSchema?: object }[], dataVar: string): Error {
  const e = errors[0]!;
  const where = dataVar === 'querystring' ? 'query parameter' : dataVar === 'params' ? 'path parameter' : dataVar === 'body' ? 'body field' : dataVar;
  const param = (e.params as { additionalProperty?: string; missingProperty?: string }).additionalProperty
    ?? (e.params as { missingProperty?: string }).missingProperty
    ?? e.instancePath.replace(/^\//, '');
  // A body's fields are few and not in the URL to compare with: the ones it takes are said.
  const fields = dataVar === 'body' ? Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) : [];
  if (e.keyword === 'additionalProperties') return new Error(`unknown ${where} "${param}"${fields.length ? `: the body takes ${fields.join(', ')}` : ''}`);
  if (e.keyword === 'required') return new Error(`missing ${where} "${param}"`);
  // `?limit=5&limit=6` is parsed as a list (ajv's `verbose` gives the value): no parameter takes one.
  if (dataVar === 'querystring' && Array.isArray(e.data)) {
    return new Error(`${where} "${param}" is given ${e.data.length === 2 ? 'twice' : `${e.data.length} times`}: give it once`);
  }
  const form = e.keyword === 'pattern' ? PATTERN_FORMS[(e.params as { pattern?: string }).pattern ?? ''] : undefined;
  if (form) return new Error(`invalid ${where} "${param}": ${form}`);
  // The values it may take, said: `must be one of bronze, silver, gold...` rather than ajv's "allowed values".
  const allowed = e.keyword === 'enum' ? (e.params as { allowedValues?: unknown[] }).allowedValues : undefined;
  if (allowed) return new Error(`invalid ${where} "${param}": must be one of ${allowed.map(String).join(', ')}`);
  // A body missing altogether (`must be object` of "").
  if (dataVar === 'body' && !param && e.keyword === 'type') return new Error(`invalid body: ${e.message ?? 'invalid value'}, a JSON object sent with content-type: application/json`);
  return new Error(`invalid ${where} "${param}": ${e.message ?? 'invalid value'}`);
}
