import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { noLocalPaths } from '../errors.js';
import { codeForStatus, HttpError } from './http-errors.js';
import { BODY_LIMIT } from './json-body.js';

/**
 * Every error the server answers, in one shape: `{ statusCode, code, error, message }` with one line
 * saying what is wrong and what to do; a 500 names nothing of the server.
 */

/** Errors Fastify answers before routing (a URL that does not decode), in the API's shape. */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400;
  void reply.code(status).send({ statusCode: status, code: codeForStatus(status), error: httpReason(status), message: error.message });
}

/** A request Node's parser cannot read (a request line or headers too large): answered on the socket (Fastify's, or live-app's own servers'). */
export function clientError(error: Error, socket: Duplex): void {
  if (!socket.writable) return;
  const status = (error as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({ statusCode: status, code: 'bad_parameter', error: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request', message: status === 431 ? 'the request line and headers are too large (a query string of more than about 16 KB?)' : 'the request could not be read' });
  socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** The error handler of every route: HttpErrors as they are, Fastify's own in words that name the remedy. */
export function errorHandler(log: FastifyBaseLogger) {
  return (error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpError) {
      reply.headers(error.headers);
      // The server's own files (the SQLite store, the lake folder) are no business of a client's.
      const message = error.statusCode >= 500 ? noLocalPaths(error.message) : error.message;
      return reply.code(error.statusCode).send({ statusCode: error.statusCode, code: error.code, error: httpReason(error.statusCode), message });
    }
    const status = error.statusCode ?? 500;
    // Fastify's own words name no limit and no remedy.
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const type = request.headers['content-type'];
      return reply.code(415).send({ statusCode: 415, code: codeForStatus(415), error: httpReason(415), message: `a body of content-type ${type === undefined ? '(none)' : type.split(';')[0]!.trim() || '(empty)'} is not read: send a JSON object with content-type: application/json` });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ statusCode: 413, code: 'body_too_large', error: httpReason(413), message: `the body is too large: send a JSON object of at most ${BODY_LIMIT / 1024} KiB (such as {"flow": "pipeline"})` });
    }
    if (status >= 500) {
      log.error({ err: error, method: request.method, url: request.url }, 'request failed');
      return reply.code(500).send({ statusCode: 500, code: 'internal', error: 'Internal Server Error', message: 'internal error (see the server log)' });
    }
    return reply.code(status).send({ statusCode: status, code: codeForStatus(status), error: httpReason(status), message: error.message });
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const [pathname, query] = request.url.split('?') as [string, string | undefined];
  // A KPI removed from the project, asked for as an older version built it: that version keeps its table.
  const kpi = /^\/api\/([a-z][a-z0-9_]*)$/.exec(pathname)?.[1];
  const version = new URLSearchParams(query ?? '').get('version');
  if (kpi && version) {
    const table = kpi.startsWith('kpi_') ? kpi : `kpi_${kpi}`;
    const message = `no KPI ${kpi} is declared now (kpis/${kpi.replace(/^kpi_/, '')}.yml, see /api/kpis); if it was removed, a version built with it keeps its table ${table}, read as built through the explorer: GET /api/lake/gold?version=${encodeURIComponent(version)} lists it (its key), then /api/lake/gold/download?key=<key>`;
    return reply.code(404).send({ statusCode: 404, code: 'unknown_kpi', error: 'Not Found', message });
  }
  return reply.code(404).send({ statusCode: 404, code: 'not_found', error: 'Not Found', message: `no route ${request.method} ${pathname}: see /api for the endpoints` });
}

/** The status's reason phrase (`Unprocessable Entity` for a 422, not a bare `Error`). */
export function httpReason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
