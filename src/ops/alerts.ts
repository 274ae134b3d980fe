import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { redactUrl, type AlertEvent, type Config } from '../settings.js';
import { errorMessage, noLocalPaths } from '../errors.js';
import { ALERTS_PREFIX, alertLogKey, readJson, writeJson, type ObjectStore } from '../lake/index.js';
import { exitingSignal, track } from './pending.js';
import { Redactor } from '../api/redact.js';
import type { Project } from '../project/types.js';

/**
 * Alerts: a JSON POST to ALERT_WEBHOOK_URL for the events ALERT_EVENTS names (all by default). The body
 * has a `text` that Slack and Mattermost incoming webhooks show as it is, and the facts for other
 * receivers. A delivery runs in the background: it never throws into, nor delays, what raised it. Each
 * attempt is cut after ALERT_TIMEOUT_MS; a network error, a timeout, a 408, 429 or 5xx is retried
 * ALERT_RETRIES times after ALERT_RETRY_DELAY_MS, 2×, 4×...; another answer ends it. Every delivery,
 * delivered or not, is recorded in the alerts log (`runs/_alerts/…`, one object each) and, for a run's
 * event, in its run record (by the caller, with what `send` resolves to).
 *
 * What leaves the process is masked as the API masks it: no local path, no password of a URL, no
 * quoted source text of a dataset with personal columns, and never the webhook URL itself (its path is
 * usually the secret): records and logs name it as its origin and `/***`.
 */
export interface AlertPayload {
  event: AlertEvent;
  /** One line for people, shown as it is by Slack and Mattermost. */
  text: string;
  project: string;
  /** When the alert was raised (ISO). */
  at: string;
  dataset?: string;
  run?: { id: string; flow: string; state: string; task?: string; error?: string; previous?: string };
  freshness?: { state: string; age_seconds: number | null; last_ingested_at: string | null; warn_after?: number; error_after?: number; previous?: string };
}

/** One delivery, as recorded in the run and the alerts log. */
export interface AlertDelivery {
  event: AlertEvent;
  /** When the alert was raised (ISO). */
  at: string;
  status: 'delivered' | 'failed';
  attempts: number;
  /** The last answer's HTTP status, when there was one. */
  httpStatus?: number;
  /** Why the last attempt failed (for a failed delivery). */
  error?: string;
  seconds: number;
  /** The webhook, masked: `https://hooks.slack.com/***`. */
  target: string;
  dataset?: string;
  runId?: string;
}

/** The newest delivery of the alerts log (keys begin with their time), if any. */
export async function lastAlert(lake: ObjectStore): Promise<(AlertDelivery & { text?: string }) | undefined> {
  const keys = (await lake.list('runs', ALERTS_PREFIX)).map((o) => o.key).sort();
  const key = keys.at(-1);
  return key ? readJson<AlertDelivery & { text?: string }>(lake, { bucket: 'runs', key }) : undefined;
}

/** A webhook URL as it may be shown: its origin only (its path, query and credentials carry the secret). */
export function maskWebhook(url: string): string {
  try {
    return `${new URL(url).origin}/***`;
  } catch {
    return '***';
  }
}

/** Text from elsewhere (an error message) as it may leave the process: no password, no local path, no personal data. */
export function outsideText(project: Project, text: string): string {
  return new Redactor(project).text(noLocalPaths(redactUrl(text)));
}

/** Sends alerts for one configuration and lake. Cheap to create; `send` does nothing without a webhook or for an event not asked for. */
export class Alerter {
  private readonly settings: Config['alerts'];
  private readonly project: Project;

  constructor(
    config: Pick<Config, 'alerts' | 'project'>,
    private readonly lake: ObjectStore,
    private readonly log: (message: string) => void = (m) => console.error(m),
  ) {
    this.settings = config.alerts;
    this.project = config.project;
  }

  get enabled(): boolean {
    return this.settings.webhookUrl !== undefined;
  }

  /** Where alerts go, masked. */
  get target(): string {
    return this.settings.webhookUrl ? maskWebhook(this.settings.webhookUrl) : 'nowhere (ALERT_WEBHOOK_URL is not set)';
  }

  wants(event: AlertEvent): boolean {
    return this.enabled && this.settings.events.includes(event);
  }

  /** The longest a delivery can take with these settings (its attempts, its waits, its record), from now. */
  deadline(): number {
    const { retries, retryDelayMs, timeoutMs } = this.settings;
    return Date.now() + (retries + 1) * timeoutMs + retryDelayMs * (2 ** retries - 1) + 2000;
  }

  /**
   * Delivers an alert in the background and records it in the alerts log; resolves with the delivery
   * (never rejects). Undefined when the event is not to be sent.
   */
  send(alert: Omit<AlertPayload, 'project' | 'at'>): Promise<AlertDelivery> | undefined {
    if (!this.wants(alert.event)) return undefined;
    const delivery = this.deliver({ ...alert, project: this.project.name, at: new Date().toISOString() });
    track(delivery, this.deadline());
    return delivery;
  }

  private async deliver(payload: AlertPayload): Promise<AlertDelivery> {
    const url = this.settings.webhookUrl!;
    const safe = JSON.parse(scrub(JSON.stringify(payload), url)) as AlertPayload;
    const body = JSON.stringify(safe);
    const started = Date.now();
    const signal = exitingSignal();
    let attempts = 0;
    let httpStatus: number | undefined;
    let error: string | undefined;
    let delivered = false;
    for (let i = 0; i <= this.settings.retries; i++) {
      if (signal.aborted) {
        error = 'abandoned: the process was exiting';
        break;
      }
      if (i > 0) {
        try {
          await sleep(this.settings.retryDelayMs * 2 ** (i - 1), undefined, { signal });
        } catch {
          error = `abandoned while waiting to retry (the process was exiting); last: ${error}`;
          break;
        }
      }
      attempts++;
      const outcome = await post(url, body, this.settings.timeoutMs, signal);
      httpStatus = outcome.status;
      error = outcome.error;
      if (outcome.ok) {
        delivered = true;
        error = undefined;
        break;
      }
      if (!outcome.retry) break;
    }
    const record: AlertDelivery = {
      event: payload.event,
      at: payload.at,
      status: delivered ? 'delivered' : 'failed',
      attempts,
      ...(httpStatus !== undefined ? { httpStatus } : {}),
      ...(error ? { error: scrub(error, url) } : {}),
      seconds: (Date.now() - started) / 1000,
      target: maskWebhook(url),
      ...(payload.dataset ? { dataset: payload.dataset } : {}),
      ...(payload.run ? { runId: payload.run.id } : {}),
    };
    if (!delivered) this.log(`alert ${payload.event} not delivered to ${record.target} after ${attempts} attempt(s): ${record.error ?? 'unknown error'}`);
    try {
      await writeJson(this.lake, alertLogKey(new Date(payload.at), payload.event, randomBytes(3).toString('hex')), { ...record, text: safe.text });
    } catch (err) {
      this.log(`cannot record alert ${payload.event} in the alerts log: ${noLocalPaths(errorMessage(err))}`);
    }
    return record;
  }
}

/** One attempt: ok, or why not and whether another attempt may do better. */
async function post(url: string, body: string, timeoutMs: number, exiting: AbortSignal): Promise<{ ok: boolean; retry: boolean; status?: number; error?: string }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'datalake-alerts' },
      body,
      signal: AbortSignal.any([timeout, exiting]),
    });
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    if (response.ok) return { ok: true, retry: false, status };
    // Throttled, timed out or broken on the receiver's side: worth another try; refused (404, 403, 400): not.
    const retry = status === 408 || status === 429 || status >= 500;
    return { ok: false, retry, status, error: `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}` };
  } catch (err) {
    if (timeout.aborted) return { ok: false, retry: true, error: `no answer within ${timeoutMs} ms` };
    if (exiting.aborted) return { ok: false, retry: false, error: 'abandoned: the process was exiting' };
    // fetch says "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND...), without the URL.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, retry: true, error: cause?.code ? `cannot reach the webhook (${cause.code})` : `cannot reach the webhook (${errorMessage(err)})` };
  }
}

/** The webhook URL (or its path: the token) out of a text, whatever said it. */
function scrub(text: string, url: string): string {
  let out = text.split(url).join(maskWebhook(url));
  try {
    const { pathname, search } = new URL(url);
    for (const secret of [pathname + search, pathname]) if (secret.length > 1) out = out.split(secret).join('/***');
  } catch {
    // not a URL: nothing more to hide
  }
  return out;
}
