import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import helmet, { type HelmetOptions } from 'helmet';
import { pino } from 'pino';
import type { Config } from '../config.js';
import type { ApiServices } from './services.js';
import { BROTLI, COMPRESS_THRESHOLD, COMPRESSIBLE, ENCODINGS } from './compression.js';
import { clientError, errorHandler, frameworkError, notFoundHandler } from './error-replies.js';
import { badRequest, HttpError, schemaError } from './http-errors.js';
import { BODY_LIMIT, parseJsonBody } from './json-body.js';
import { pathProblem } from './path-check.js';
import { cachedKpiReads } from './kpi-answer.js';
import { kpiQueryDefaults } from './kpi-schema.js';
import { checkQueryHook } from './query-check.js';
import { SharedRateLimitStore } from './rate-limit-store.js';
import { registerSchemas } from './schemas.js';
import kpiRoutes from './routes/kpis.js';
import lakeRoutes from './routes/lake.js';
import queueRoutes, { QUEUES_PATH } from './routes/queues.js';
import compareRoutes from './routes/compare.js';
import freshnessRoutes from './routes/freshness.js';
import healthRoutes from './routes/health.js';
import qualityRoutes from './routes/quality.js';
import runRoutes from './routes/runs.js';
import versionRoutes from './routes/versions.js';

declare module 'fastify' {
  interface FastifyInstance {
    routeIndex: { method: string; path: string; summary: string }[];
    /** The server's log (pino JSON on stdout; silent in tests): errors, and the end of a run started here. */
    serverLog: FastifyBaseLogger;
  }
}

/** Where `npm run build` puts the dashboard (Vite). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

export interface AppOptions {
  logger?: boolean;
  /** Where the log goes instead of stdout (tests read it). */
  logStream?: { write(line: string): void };
  /** The log to use, made once for a server whose apps follow the definitions (live-app.ts). */
  log?: FastifyBaseLogger;
}

/**
 * The HTTP server: schema-first routes (each schema validates, types the reply and becomes the OpenAPI
 * doc), one plugin per area, JSON errors that name the bad parameter, and the dashboard at `/`.
 */
export async function buildApp(services: ApiServices, options: AppOptions = {}): Promise<FastifyInstance> {
  const log = options.log ?? serverLogger(services.config.server.logLevel, options);
  const app = Fastify({
    // A KPI is found by its id or its table (`/api/kpis/{name}`, checked against maxLength 200 by its
    // schema): the router's default of 100 would answer a longer name with a 414.
    routerOptions: { maxParamLength: 256 },
    // Request bodies are small JSON (POST /api/runs): anything larger is refused with a 413.
    bodyLimit: BODY_LIMIT,
    // No logger of Fastify's own: with one, Fastify times every response and listens for its end (a
    // sixth of the CPU of a cached KPI read, measured), and a child logger factory is called and its
    // result checked on every request (about 1 µs of the ~28 µs of CPU of a cached KPI read, in an
    // ablation). The server logs to its own (`app.serverLog`).
    logger: false,
    // Errors Fastify answers before routing (a URL that does not decode, a header too large) in the
    // API's shape too: `{ statusCode, code, error, message }`.
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    // One log line per request would cost more than serving a cached KPI; errors are still logged
    // (with the method and URL rather than a request id: no child logger per request either).
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown or ill-typed parameters are refused, not silently dropped, so a typo is a 400 that says which.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false, verbose: true } },
    schemaErrorFormatter: schemaError,
  });
  // Bodies are JSON only: Fastify's text/plain parser handed a route a string its schema then refused
  // as "must be object", a 400 where the remedy is the content type (415, error-replies.ts).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  for (const [name, service] of Object.entries(services)) app.decorate(name, service);
  app.decorate('serverLog', log);
  const securityHeaders = await registerProtections(app, services.config.server);
  app.decorate('routeIndex', [] as FastifyInstance['routeIndex']);
  registerSchemas(app);
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { summary?: string; hide?: boolean; operationId?: string; security?: unknown[] } | undefined;
    if (schema?.summary && !schema.hide) {
      for (const method of [route.method].flat()) if (method !== 'HEAD') app.routeIndex.push({ method, path: route.url, summary: schema.summary });
      // What a client generator needs: a name per operation, and which ones take a key.
      const method = [route.method].flat().find((m) => m !== 'HEAD') ?? 'GET';
      schema.operationId ??= operationId(method, route.url);
      schema.security ??= needsKey(method, route.url) ? [{ bearer: [] }] : [];
    }
  });

  // The check of the query's numbers and days (query-check.ts), on each route that does not make it
  // itself: a route-level hook, so that the KPI reads have none (a hook costs even when it does nothing).
  app.addHook('onRoute', (route) => {
    const hooks = [route.preHandler ?? []].flat();
    // (A HEAD route is made from its GET's options, which may have it already.)
    if (!route.config?.checksQuery && !hooks.includes(checkQueryHook)) route.preHandler = [checkQueryHook, ...hooks];
  });

  app.setErrorHandler(errorHandler(log));
  app.setNotFoundHandler(notFoundHandler);

  await app.register(swagger, {
    // Shared schemas become components named by their $id (`#/components/schemas/Run`), not def-0, def-1...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      info: { title: 'Data Lake API', version: '1.0.0', license: { name: 'MIT', url: 'https://opensource.org/license/mit' }, description: 'KPIs from the serving store, the lake explorer and run history.' },
      servers: [{ url: '/', description: 'this server' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_KEY or a key of API_KEYS (needed once any key is set)' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes);
  await app.register(freshnessRoutes);
  await app.register(runRoutes);
  await app.register(qualityRoutes);
  await app.register(compareRoutes);
  await app.register(kpiRoutes);
  await app.register(versionRoutes);
  await app.register(lakeRoutes);
  await app.register(queueRoutes, { prefix: QUEUES_PATH });

  // With CORS, an answer depends on the request's Origin: left to the route and @fastify/cors.
  if (!services.config.server.corsOrigins.length) answerBeforeRouter(app, cachedKpiReads(services.kpis, securityHeaders, kpiQueryDefaults()));

  if (fs.existsSync(DASHBOARD_DIR)) {
    // The build names its files under assets/ by their content's hash: cached for a year, never asked
    // again. index.html, which names them, is revalidated on every load (a 304 when unchanged). The build
    // also writes each text file brotli- and gzip-compressed (.br, .gz): the encoding the client accepts
    // is sent, with `Vary: accept-encoding`.
    const hashedAssets = fileURLToPath(new URL('../../dist/dashboard/assets/', import.meta.url));
    await app.register(fastifyStatic, {
      root: DASHBOARD_DIR,
      prefix: '/',
      // An array: with preCompressed, @fastify/static finds the compressed index of `/` only in a list.
      index: ['index.html'],
      preCompressed: true,
      cacheControl: false,
      setHeaders: (reply, file) => void reply.header('cache-control', file.startsWith(hashedAssets) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html').send('<p>The dashboard is not built: run <code>npm run build</code>. The API is at <a href="/api">/api</a>, its docs at <a href="/docs">/docs</a>.</p>'),
    );
  }
  return app;
}

/**
 * Puts `before` in front of Fastify's request handler on its server: what it answers never reaches the
 * router. Fastify's own server is kept (rather than one of a serverFactory) so that it listens as it
 * would, on both loopback addresses for HOST=localhost too. Requests that arrive while the server
 * closes get Fastify's 503, as every other route's do.
 */
function answerBeforeRouter(app: FastifyInstance, before: (req: IncomingMessage, res: ServerResponse) => boolean): void {
  const handlers = app.server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  // Fastify gives its server one request handler; were that to change, the requests would all go to it.
  if (handlers.length !== 1) return;
  const route = handlers[0]!;
  let closing = false;
  app.server.removeListener('request', route);
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closing || !before(req, res)) route(req, res);
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
}

/** Paths of the routes limited per client: the admin ones and the costly comparison. */
const RATE_LIMITED = (method: string, url: string) => url === '/api/compare' || (method === 'POST' && url === '/api/runs') || url.startsWith('/admin/queues');
/** Pages that load third-party UIs (Swagger UI, bull-board) with inline scripts: no Content-Security-Policy there. */
const NO_CSP = (url: string) => under(url, '/docs') || under(url, '/admin/queues');

const HELMET: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: true, directives: { 'upgrade-insecure-requests': null } },
  // Served over plain HTTP on a laptop; a TLS proxy in front sets HSTS itself.
  strictTransportSecurity: false,
};

/**
 * Security headers (helmet; a strict Content-Security-Policy on the dashboard), CORS only for the
 * origins configured, and a rate limit per client on the admin and compare endpoints. Returns the
 * security headers of the API's answers.
 */
async function registerProtections(app: FastifyInstance, server: Config['server']): Promise<Record<string, string>> {
  // Helmet's headers depend on its options only: computed once here, then set on every answer by one
  // synchronous hook, the first of all (errors, 404s and 401s carry them too). @fastify/helmet ran
  // helmet's middleware again on each request, in two async hooks: 14 % of the CPU of a cached KPI read.
  const headers = helmetHeaders(HELMET);
  const headersNoCsp = helmetHeaders({ ...HELMET, contentSecurityPolicy: false });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(NO_CSP(request.url) ? headersNoCsp : headers);
    // As the client sent it: a test's inject() resolves `..` before the server sees it.
    const problem = pathProblem(request.raw.url ?? '');
    done(problem ? badRequest(problem) : undefined);
  });
  // Before the plugin below, whose own onRoute hook reads this route option.
  app.addHook('onRoute', (route) => {
    if (server.rateLimitPerMinute > 0 && [route.method].flat().some((m) => RATE_LIMITED(m, route.url))) {
      route.config = Object.assign(route.config ?? {}, { rateLimit: { max: server.rateLimitPerMinute, timeWindow: 60_000 } });
    }
  });
  if (server.corsOrigins.length) await app.register(cors, { origin: server.corsOrigins, methods: ['GET', 'POST'] });
  // Only on the limited routes (global: false), counted per client across the processes of a cluster.
  await app.register(rateLimit, {
    global: false,
    store: SharedRateLimitStore,
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, `too many requests: at most ${context.max} per minute on this endpoint; retry in ${Math.ceil(context.ttl / 1000)} s`, { 'retry-after': String(Math.ceil(context.ttl / 1000)) }),
  });
  // JSON answers of 1 KiB and more, brotli or gzip as the client accepts; nothing else (the dashboard's
  // files come compressed from the build, and an answer with a Content-Encoding is left as it is).
  // The KPI routes compress their cached answers themselves, once per publish (routes/kpis.ts).
  await app.register(compress, { globalCompression: true, globalDecompression: false, threshold: COMPRESS_THRESHOLD, encodings: [...ENCODINGS], customTypes: COMPRESSIBLE, brotliOptions: BROTLI });
  return headers;
}

/** The headers helmet's middleware sets with these options (they depend on nothing else). */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err) => {
    if (err) throw err;
  });
  return headers;
}

/** LOG_LEVEL=silent, or no logger asked for (tests, `datalake openapi`). */
const SILENT: FastifyBaseLogger = pino({ level: 'silent' });

/** The server's log: pino JSON on stdout (or `logStream`) when asked for, else silent. */
export function serverLogger(level: string, options: AppOptions): FastifyBaseLogger {
  return options.logger && level !== 'silent' ? (options.logStream ? pino({ level }, options.logStream) : pino({ level })) : SILENT;
}

/** `url` is `prefix` or below it (`/docs`, `/docs/json`, `/docs?x`, not `/docsy`). */
function under(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  const next = url.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */;
}

/** `GET /api/kpis/:name` → `getApiKpisByName`; `GET /api/ca_par_pays` → `getApiCaParPays`. */
function operationId(method: string, url: string): string {
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  const parts = url
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith(':') ? `By${cap(seg.slice(1))}` : seg.split(/[^a-zA-Z0-9]+/).filter(Boolean).map(cap).join('')));
  return `${method.toLowerCase()}${parts.join('')}`;
}

/** The routes a key opens once keys are set: the explorer, starting a run, the queue dashboard. */
function needsKey(method: string, url: string): boolean {
  return url.startsWith('/api/lake') || url.startsWith('/admin/') || (method === 'POST' && url === '/api/runs');
}
