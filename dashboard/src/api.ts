import type { components } from './api-types';
/** The dashboard's only way to the server. Errors are typed so each view can show the right state. */
export type ApiErrorKind = 'unreachable' | 'not_published' | 'unauthorized' | 'http';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status = 0,
    /** The API's stable error code (`unknown_version`...), when it sent one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

const KEY_STORAGE = 'datalake.apiKey';

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key);
}

async function request(path: string): Promise<Response> {
  const headers: Record<string, string> = {};
  const key = apiKey();
  if (key) headers['authorization'] = `Bearer ${key}`;
  let response: Response;
  try {
    response = await fetch(path, { headers });
  } catch {
    throw new ApiError('unreachable', 'API unreachable');
  }
  if (response.ok) return response;
  let message = `HTTP ${response.status}`;
  let code: string | undefined;
  try {
    const body = (await response.json()) as { message?: string; code?: string };
    message = body.message ?? message;
    code = body.code;
  } catch {
    // not JSON: keep the status line
  }
  // The API's stable error codes, not its wording.
  if (code === 'unauthorized' || response.status === 401) throw new ApiError('unauthorized', message, 401);
  if (code === 'not_published') throw new ApiError('not_published', message, 404);
  if (response.status >= 502) throw new ApiError('unreachable', message, response.status);
  throw new ApiError('http', message, response.status, code);
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await request(path)).json()) as T;
}

export async function getBlob(path: string): Promise<Blob> {
  return (await request(path)).blob();
}

/** The API's bodies, generated from its OpenAPI document (`npm run openapi`), not declared again here. */
export type Schemas = components['schemas'];
export type Row = Schemas['KpiRow'];
export type Label = Schemas['Label'];
export type ChartMeta = Schemas['KpiChart'];
export type ColumnMeta = Schemas['KpiColumn'];
export type KpiMeta = Schemas['KpiMeta'];
export type ProjectMeta = Schemas['Project'];

/** Which version of the lake an answer comes from (the X-Data-* headers). */
export interface DataVersion {
  version: number;
  committedAt: string;
  audit: string;
}

/** A KPI's rows and the version of the lake they come from. */
export async function kpiRead(id: string, query = ''): Promise<{ rows: Row[]; data?: DataVersion }> {
  const response = await request(`api/kpis/${id}${query ? `?${query}` : ''}`);
  const version = response.headers.get('x-data-version');
  const data = version ? { version: Number(version), committedAt: response.headers.get('x-data-committed-at') ?? '', audit: response.headers.get('x-data-audit') ?? '' } : undefined;
  return { rows: (await response.json()) as Row[], ...(data ? { data } : {}) };
}

export const kpiRows = (id: string, query = '') => getJson<Row[]>(`api/kpis/${id}${query ? `?${query}` : ''}`);
