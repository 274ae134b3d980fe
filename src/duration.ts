import { UserError } from './errors.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `30d`, `26h`, `90m`, `45s`, `2w` (or `0`) in milliseconds; undefined when the text is not one. */
export function durationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = m[2]?.toLowerCase();
  if (!unit && Number(m[1]) !== 0) return undefined;
  return Number(m[1]) * (unit ? UNITS[unit]! : 0);
}

/** {@link durationMs} for a setting or option: a clear error naming it otherwise. */
export function parseDuration(text: string, what: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new UserError(`${what} "${text}" is not a duration`, 'write a number and a unit: 45s, 90m, 26h, 30d or 2w');
  return ms;
}

/** A duration for people: `3d 4h`, `26h`, `12m`, `40s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)}h`;
  const d = Math.floor(s / 86400);
  const h = Math.round((s - d * 86400) / 3600);
  return h ? `${d}d ${h}h` : `${d}d`;
}
