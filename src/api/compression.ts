import { promisify } from 'node:util';
import zlib from 'node:zlib';

/**
 * Compression of the API's JSON answers: the rule @fastify/compress applies to every route (app.ts)
 * and the KPI routes apply to their cached answers (routes/kpis.ts).
 */

/** Answers smaller than this are sent as they are: compressing them saves less than it costs. */
export const COMPRESS_THRESHOLD = 1024;
/** JSON only (`application/json`, `application/problem+json`): the dashboard's files come compressed from its build. */
export const COMPRESSIBLE = /^application\/(?:[\w.+-]+\+)?json(?:;|$)/;
/** In the order preferred when a client accepts several. */
export const ENCODINGS = ['br', 'gzip'] as const;
export type Encoding = (typeof ENCODINGS)[number];
/** Quality 5 rather than 11 (zlib's default, 20 times slower): a little larger, as fast as gzip. */
export const BROTLI: zlib.BrotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT } };

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Compresses on libuv's thread pool: a large answer does not hold up the others. */
export function encode(encoding: Encoding, body: string): Promise<Buffer> {
  return encoding === 'br' ? brotli(body, BROTLI) : gzip(body);
}

/** br or gzip when the Accept-Encoding header allows it (br preferred), else undefined (identity). */
export function acceptedEncoding(header: string | undefined): Encoding | undefined {
  if (!header) return undefined;
  let br: boolean | undefined;
  let gz: boolean | undefined;
  let any: boolean | undefined;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';');
    const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
    const ok = q === undefined || Number(q) > 0;
    const token = name.trim().toLowerCase();
    if (token === 'br') br = ok;
    else if (token === 'gzip' || token === 'x-gzip') gz = ok;
    else if (token === '*') any = ok;
  }
  if (br ?? any) return 'br';
  if (gz ?? any) return 'gzip';
  return undefined;
}
