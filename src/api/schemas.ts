import type { FastifyInstance } from 'fastify';

/**
 * The API's response bodies, declared once: Fastify serialises each reply with its schema, the OpenAPI
 * document names them as components (`#/components/schemas/<$id>`), and the dashboard's types are
 * generated from that document (dashboard/src/api-types.ts, `npm run openapi`). Free-form parts (a
 * task's details, a KPI row) say so with additionalProperties.
 */
const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const number = { type: 'number' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const object = (properties: Record<string, object>, required: string[] = Object.keys(properties), extra = false) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: extra,
});
const ref = (id: string) => ({ $ref: `${id}#` });

const SCHEMAS: Record<string, object> = {
  Error: {
    ...object({
      statusCode: integer,
      code: {
        type: 'string',
        description: 'stable, for clients to match: bad_parameter, unauthorized, forbidden, not_found, unreadable_object, unknown_kpi, unknown_version, version_incompatible, not_published, kpi_changed, lake_busy, not_resumable, body_too_large, unsupported_media_type, rate_limited, unavailable, internal',
      },
      error: { type: 'string', description: "the status's reason phrase: Bad Request, Unprocessable Entity, Unsupported Media Type..." },
      message: { type: 'string', description: 'one line: what is wrong and what to do' },
    }),
    description: 'Every 4xx and 5xx answer.',
  },
  Label: object({ fr: string, en: string }),
  DataVersion: object({ version: integer, committedAt: dateTime, audit: { type: 'string', enum: ['passed', 'approved'] } }),
  Health: object({ status: { type: 'string', enum: ['ok'] } }),
  Ready: object(
    {
      status: { type: 'string', enum: ['ready', 'unavailable'] },
      serving_store: string,
      last_publish: nullable(object({ runId: string, data: ref('DataVersion'), publishedAt: dateTime, tables: { type: 'object', additionalProperties: integer } }, ['runId', 'publishedAt', 'tables'])),
      lake_version: { ...nullable(integer), description: "the lake's current version" },
      degraded: { type: 'array', items: string, description: 'why the server is ready but not all is well: the serving store behind the lake, a dataset past its freshness SLA' },
      code: { type: 'string', enum: ['unavailable'], description: 'on a 503: the error code, as on every error body' },
      message: string,
    },
    ['status', 'serving_store'],
  ),
  DatasetFreshness: object(
    {
      dataset: string,
      state: { type: 'string', enum: ['ok', 'warn', 'error', 'unknown', 'no_sla'], description: 'ok, warn (older than warn_after), error (older than error_after), unknown (an SLA but no file yet), no_sla' },
      age_seconds: { ...nullable(integer), description: 'seconds since its newest file was ingested; null before any' },
      last_ingested_at: nullable(dateTime),
      last_file: { ...nullable(string), description: 'the name of its newest file' },
      warn_after: { ...string, description: 'its SLA as declared: 26h' },
      warn_after_seconds: integer,
      error_after: string,
      error_after_seconds: integer,
    },
    ['dataset', 'state', 'age_seconds', 'last_ingested_at', 'last_file'],
  ),
  Freshness: object({
    checked_at: dateTime,
    version: { ...nullable(integer), description: 'the lake version whose files the ages are of (null before any commit)' },
    state: { type: 'string', enum: ['ok', 'warn', 'error'], description: 'the worst state among the datasets with an SLA' },
    datasets: { type: 'array', items: ref('DatasetFreshness') },
  }),
  ApiIndex: object({
    message: string,
    docs: string,
    openapi: string,
    endpoints: { type: 'array', items: object({ method: string, path: string, summary: string }) },
  }),
  Project: object({
    name: string,
    title: ref('Label'),
    datasets: { type: 'array', items: object({ name: string, description: nullable(string), key: { type: 'array', items: string }, files: { type: 'array', items: string } }) },
    tabs: { type: 'array', items: object({ id: string, title: ref('Label'), kpis: { type: 'array', items: string } }) },
    home: { type: 'array', items: string, description: 'KPIs whose cards head the home page' },
  }),
  KpiColumn: object(
    {
      name: string,
      type: { type: 'string', enum: ['string', 'integer', 'number', 'date'] },
      label: ref('Label'),
      unit: string,
      description: string,
    },
    ['name', 'type', 'label'],
  ),
  KpiChart: object({ type: { type: 'string', enum: ['bar', 'line', 'pie', 'table', 'cards', 'histogram'] }, x: string, y: { type: 'array', items: string } }, ['type', 'y']),
  KpiMeta: object({
    id: string,
    title: ref('Label'),
    description: string,
    columns: { type: 'array', items: ref('KpiColumn') },
    chart: ref('KpiChart'),
    charts: { type: 'array', items: ref('KpiChart') },
    filters: { type: 'object', additionalProperties: string, description: 'query parameter → column' },
    range: { ...nullable(string), description: 'the column `from` and `to` bound' },
    endpoint: string,
  }),
  KpiRow: { type: 'object', additionalProperties: { anyOf: [string, number, { type: 'null' }] }, description: "one row: the KPI's declared columns (see /api/kpis)" },
  Attempt: object(
    {
      attempt: integer,
      startedAt: dateTime,
      endedAt: dateTime,
      seconds: number,
      state: { type: 'string', enum: ['running', 'completed', 'failed'] },
      rows: integer,
      bytes: integer,
      error: string,
      retried: { type: 'boolean' },
      worker: string,
    },
    ['attempt', 'startedAt', 'state'],
  ),
  Task: object(
    {
      name: string,
      parent: { ...string, description: 'for a shard: its task' },
      state: { type: 'string', enum: ['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled'] },
      attempts: { type: 'array', items: ref('Attempt') },
    },
    ['name', 'state', 'attempts'],
  ),
  TaskResult: object(
    {
      stage: { type: 'string', enum: ['bronze', 'silver', 'gold', 'commit', 'publish', 'vacuum', 'compact'] },
      rowsIn: integer,
      rowsOut: integer,
      quarantined: integer,
      bytes: integer,
      seconds: number,
      details: { type: 'object', additionalProperties: true, description: "the task's own facts: files ingested, reasons, quality checks, tables written" },
    },
    undefined,
  ),
  Run: object(
    {
      runId: string,
      flow: string,
      parameters: object({ fullRefresh: { type: 'boolean' }, strict: { type: 'boolean' }, trigger: { type: 'string', enum: ['cli', 'api', 'schedule'] } }, []),
      state: { type: 'string', enum: ['scheduled', 'running', 'completed', 'failed', 'audit_failed', 'cancelled'] },
      startedAt: dateTime,
      endedAt: dateTime,
      seconds: number,
      lake: string,
      owner: string,
      tasks: { type: 'array', items: ref('Task') },
      stages: { type: 'array', items: ref('TaskResult'), description: 'the result of each completed task, in order' },
      logs: { type: 'array', items: object({ time: dateTime, level: { type: 'string', enum: ['info', 'warn', 'error'] }, task: string, message: string }, ['time', 'level', 'message']) },
      peakRssBytes: integer,
      error: object({ message: string, hint: string, stage: string, task: string }, ['message']),
      audit: { type: 'array', items: object({ table: string, check: string, detail: string }), description: 'the checks that failed the audit of an audit_failed run' },
      approved: object({ by: string, at: dateTime, version: integer }),
      alerts: { type: 'array', items: ref('AlertDelivery'), description: 'the alerts its end sent (ALERT_WEBHOOK_URL), added once each was delivered or given up' },
      resumes: {
        type: 'array',
        description: 'each resume of the run (`datalake run --resume`, `POST /api/runs {"resume": …}`), oldest first',
        items: object(
          {
            requestedAt: dateTime,
            by: string,
            trigger: { type: 'string', enum: ['cli', 'api'] },
            previousState: { type: 'string', enum: ['failed', 'cancelled'] },
            startedAt: dateTime,
            from: { ...string, description: 'the first task run again' },
            reused: { type: 'array', items: string, description: 'the tasks finished by the earlier attempt, not done again' },
            refused: { ...object({ message: string, hint: string }, ['message']), description: 'a queued resume the worker refused: the run is back in its previous state' },
          },
          ['requestedAt', 'by', 'trigger', 'previousState'],
        ),
      },
    },
    ['runId', 'flow', 'state', 'startedAt'],
  ),
  AlertDelivery: object(
    {
      event: { type: 'string', enum: ['run_failed', 'audit_failed', 'freshness_warn', 'freshness_error', 'recovered'] },
      at: dateTime,
      status: { type: 'string', enum: ['delivered', 'failed'] },
      attempts: integer,
      httpStatus: integer,
      error: string,
      seconds: number,
      target: { ...string, description: 'the webhook, masked: its origin only' },
      dataset: string,
      runId: string,
    },
    ['event', 'at', 'status', 'attempts', 'seconds', 'target'],
  ),
  RunStarted: object({ runId: string, flow: string, state: string, url: string }),
  Version: object(
    {
      version: integer,
      runId: string,
      committedAt: dateTime,
      audit: { type: 'string', enum: ['passed', 'approved'] },
      restores: { ...integer, description: 'a rollback: the version whose content it restores' },
      changed: { type: 'array', items: object({ table: string, rows: integer, before: nullable(integer) }) },
    },
    ['version', 'runId', 'committedAt', 'audit', 'changed'],
  ),
  QualityCheck: object(
    {
      dataset: string,
      rule: string,
      column: string,
      severity: { type: 'string', enum: ['error', 'warn', 'fatal'] },
      checked: integer,
      failed: integer,
      passed: integer,
      examples: { type: 'array', items: object({ record: nullable(integer), value: nullable(string), detail: nullable(string) }) },
    },
    ['dataset', 'rule', 'severity', 'checked', 'failed', 'passed', 'examples'],
  ),
  QualityReport: object(
    {
      runId: string,
      startedAt: dateTime,
      state: string,
      version: { type: 'integer', description: 'the lake version whose data this run cleaned (the current one by default: after a rollback, the run that built the data restored)' },
      summary: object({ rules: integer, failing: integer }),
      checks: { type: 'array', items: ref('QualityCheck') },
      quarantine: {
        type: 'object',
        description: 'per dataset: rows in and out, quarantined with their reasons',
        additionalProperties: object(
          {
            dataset: string,
            rowsIn: integer,
            rowsOut: integer,
            quarantined: integer,
            exactDuplicates: integer,
            alreadyLoaded: { type: 'integer', description: 'rows (of a dataset without a key) that another file gives already: not added again' },
            covers: {
              type: 'array',
              description: 'files (of a dataset without a key) whose dates and most rows cover an earlier file: its rows replaced by theirs; `shared` of its `rows` repeated',
              items: object({ file: string, covered: string, shared: integer, rows: integer }),
            },
            emptyRows: integer,
            rows: integer,
            reasons: { type: 'object', additionalProperties: integer },
          },
          ['dataset', 'rowsIn', 'rowsOut', 'quarantined', 'reasons'],
          true,
        ),
      },
    },
    ['runId', 'startedAt', 'state', 'summary', 'checks', 'quarantine'],
  ),
  ReadTimes: object({ name: string, p50_ms: number, p95_ms: number, mean_ms: number }),
  Comparison: object({ kpi: string, n: integer, serving_store: ref('ReadTimes'), lake: ref('ReadTimes') }),
  LakeSummary: object({ lake: string, buckets: { type: 'array', items: object({ name: string, objects: integer, bytes: integer }) } }),
  ObjectList: object({
    bucket: string,
    version: { ...nullable(integer), description: 'the lake version listed (bronze, silver, gold); null for a version staged by a run whose audit failed, which has no number until approved' },
    objects: {
      type: 'array',
      items: object({ key: string, size: integer, modified: dateTime, format: { type: 'string', enum: ['csv', 'parquet', 'other'] }, table: string }, ['key', 'size', 'modified', 'format']),
    },
  }),
  Preview: object({
    bucket: string,
    key: string,
    format: { type: 'string', enum: ['csv', 'parquet'] },
    columns: { type: 'array', items: object({ name: string, type: string }) },
    total_rows: integer,
    rows: { type: 'array', items: { type: 'object', additionalProperties: { anyOf: [string, number, { type: 'boolean' }, { type: 'null' }] } } },
  }),
};

export function registerSchemas(app: FastifyInstance): void {
  for (const [id, schema] of Object.entries(SCHEMAS)) app.addSchema({ $id: id, ...schema });
}

/** A response body by name: `{ 200: body('Run') }`. */
export const body = ref;

/** A route without query parameters: any given is a 400 naming it, as everywhere else. */
export const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;

/** The error answers a route can give, for its `response` schema. */
export function errors(...codes: number[]): Record<number, object> {
  return Object.fromEntries(codes.map((c) => [c, ref('Error')]));
}
