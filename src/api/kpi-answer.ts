import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { versionHeaders } from './data-version.js';
import { acceptedEncoding, COMPRESS_THRESHOLD, COMPRESSIBLE, encode, type Encoding } from './compression.js';
import type { Kpi } from '../project/types.js';
import { cacheKey, type KpiQuery, type KpiResponse, type KpiService } from './kpi-service.js';

/**
 * How a KPI answer is sent: its headers and compressed forms, prepared once per answer (cached answers
 * are reused), for the route (`send`) and for the read served before the router (`cachedKpiReads`).
 */

interface Prepared {
  /** On a 304 too: cache-control, the data version, the ETag, Vary. */
  common: Record<string, string>;
  /** With the content type (and the file name of a CSV). */
  full: Record<string, string>;
  /** JSON of COMPRESS_THRESHOLD bytes or more: sent compressed to a client that accepts it. */
  compressible: boolean;
  /** The body as UTF-8, encoded once rather than on every send. */
  bytes: Buffer;
  encoded: Partial<Record<Encoding, Promise<Buffer>>>;
  /** The compressed forms once ready: the read before the router sends only what needs no waiting. */
  ready: Partial<Record<Encoding, Buffer>>;
  /** The whole header block of each answer the read before the router sends, by encoding ('' for none, 304 for a 304). */
  raw: Map<string, OutgoingHttpHeaders>;
}

const prepared = new WeakMap<KpiResponse, Prepared>();

function prepare(kpi: Kpi, response: KpiResponse): Prepared {
  let p = prepared.get(response);
  if (p) return p;
  const common: Record<string, string> = { 'cache-control': 'no-cache' };
  if (response.servedFrom === 'lake') common['x-served-from'] = 'lake';
  Object.assign(common, versionHeaders(response.data));
  if (response.etag) common['etag'] = response.etag;
  const bytes = Buffer.from(response.body);
  const compressible = COMPRESSIBLE.test(response.contentType) && bytes.length >= COMPRESS_THRESHOLD;
  if (compressible) common['vary'] = 'accept-encoding';
  const full: Record<string, string> = { ...common, 'content-type': response.contentType };
  if (response.contentType.startsWith('text/csv')) full['content-disposition'] = `attachment; filename="${kpi.id}.csv"`;
  p = { common, full, compressible, bytes, encoded: {}, ready: {}, raw: new Map() };
  prepared.set(response, p);
  return p;
}

function encoded(p: Prepared, response: KpiResponse, encoding: Encoding): Promise<Buffer> {
  let promise = p.encoded[encoding];
  if (!promise) {
    promise = encode(encoding, response.body);
    p.encoded[encoding] = promise;
    promise.then(
      (buffer) => (p.ready[encoding] = buffer),
      // A failure is not kept: the next request tries again.
      () => delete p.encoded[encoding],
    );
  }
  return promise;
}

/** Sends a KPI answer: a 304 when the client has it, compressed when it is large and the client accepts it. */
export function send(kpi: Kpi, response: KpiResponse, request: FastifyRequest, reply: FastifyReply): Promise<void> | undefined {
  const p = prepare(kpi, response);
  if (hasEtag(request.headers['if-none-match'], response.etag)) {
    reply.headers(p.common).code(304).send();
    return undefined;
  }
  reply.headers(p.full);
  const encoding = p.compressible ? acceptedEncoding(request.headers['accept-encoding']) : undefined;
  if (!encoding) {
    reply.send(p.bytes);
    return undefined;
  }
  return encoded(p, response, encoding).then((buffer) => void reply.header('content-encoding', encoding).send(buffer));
}

/**
 * The cached KPI reads, answered before Fastify routes the request: `GET /api/{id}` and
 * `GET /api/kpis/{id}` without a query string, when the answer is cached for the store's version
 * last read (KpiService.cachedAnswer) and, if compressed, already compressed. Those are what a
 * dashboard asks again and again; the route would send the same bytes and headers (`send` above, the
 * security headers of every answer), and test/api/before-router.test.ts checks that it does. Anything
 * else (a query, HEAD, an answer to read or compress, CORS) returns false and goes to Fastify, which
 * also reads the store's version again when it is stale, so new publishes show as before.
 *
 * Why: the router, the query's validation and the hooks cost more than the answer itself; one
 * process sends about a third more cached reads this way (docs/benchmarks.md).
 */
export function cachedKpiReads(kpis: KpiService, securityHeaders: Record<string, string>, defaultQuery: KpiQuery): (req: IncomingMessage, res: ServerResponse) => boolean {
  const byUrl = new Map<string, { kpi: Kpi; key: string }>();
  const read = (kpi: Kpi) => ({ kpi, key: cacheKey(kpi, defaultQuery) });
  for (const kpi of kpis.kpis) byUrl.set(`/api/${kpi.id}`, read(kpi));
  // The generic route's KPI, found as it finds it (by id or table, the first that has the name).
  for (const name of new Set(kpis.kpis.flatMap((k) => [k.id, k.table]))) byUrl.set(`/api/kpis/${name}`, read(kpis.find(name)));
  return (req, res) => {
    try {
      return answer(req, res);
    } catch (err) {
      // Nothing sent yet: the route answers (and says what went wrong); else the connection cannot be trusted.
      if (!res.headersSent) return false;
      res.destroy(err as Error);
      return true;
    }
  };

  function answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET') return false;
    const read = byUrl.get(req.url ?? '');
    if (!read) return false;
    const { kpi } = read;
    const response = kpis.cachedAnswer(kpi, defaultQuery, read.key);
    if (!response) return false;
    const p = prepare(kpi, response);
    let status = 200;
    let variant = '';
    let body: Buffer | undefined = p.bytes;
    if (hasEtag(req.headers['if-none-match'], response.etag)) {
      status = 304;
      variant = '304';
      body = undefined;
    } else if (p.compressible) {
      const encoding = acceptedEncoding(req.headers['accept-encoding']);
      if (encoding) {
        body = p.ready[encoding];
        if (!body) return false;
        variant = encoding;
      }
    }
    let headers = p.raw.get(variant);
    if (!headers) {
      headers = status === 304
        ? { ...securityHeaders, ...p.common }
        : { ...securityHeaders, ...p.full, ...(variant ? { 'content-encoding': variant } : {}), 'content-length': String(body!.length) };
      p.raw.set(variant, headers);
    }
    res.writeHead(status, headers);
    res.end(body);
    return true;
  }
}

/**
 * Whether an If-None-Match header names this ETag: `*`, or one of a list, compared weakly (`W/"x"` is
 * `"x"`), as RFC 9110 says for If-None-Match.
 */
export function hasEtag(header: string | undefined, etag: string | undefined): boolean {
  if (header === undefined || etag === undefined) return false;
  if (header === etag) return true;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}
