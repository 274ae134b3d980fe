import { UserError } from './errors.js';

/** `30m`, `26h`, `2d`, `1d12h`: a number and a unit (s, m, h, d, w), or several, largest first. */
export const DURATION = /^(\d+\s*[smhdw]\s*)+$/i;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A duration as written (`26h`, `1d12h`) in seconds; undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION.test(t)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)\s*([smhdw])/gi)) seconds += Number(n) * UNIT_SECONDS[unit!.toLowerCase()]!;
  return seconds;
}

/**
 * Seconds as people write a duration: in the largest unit that divides them under 100 (93600 → `26h`,
 * 172800 → `2d`, 5400 → `90m`), else in several, largest first (3661 → `1h1m1s`).
 */
export function formatDuration(seconds: number): string {
  const rest0 = Math.round(seconds);
  if (rest0 <= 0) return '0s';
  const units = ['d', 'h', 'm', 's'];
  const single = units.find((u) => rest0 % UNIT_SECONDS[u]! === 0)!;
  if (rest0 / UNIT_SECONDS[single]! < 100) return `${rest0 / UNIT_SECONDS[single]!}${single}`;
  const parts: string[] = [];
  let rest = rest0;
  for (const unit of units) {
    const size = UNIT_SECONDS[unit]!;
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** The longest duration taken: past a few hundred thousand years a time minus it is no date at all (`Invalid time value`). */
const MAX_DURATION_SECONDS = 100 * 365 * 86_400;

/** A duration given as an option or setting, in milliseconds; a clear error naming it otherwise. */
export function parseDuration(text: string, what: string): number {
  const seconds = durationSeconds(text);
  if (seconds === undefined) throw new UserError(`${what} "${text}" is not a duration`, 'write a number and a unit: 45s, 90m, 26h, 30d, 2w (or several: 1d12h)');
  if (seconds > MAX_DURATION_SECONDS) throw new UserError(`${what} "${text}" is longer than 100 years`, `write at most ${MAX_DURATION_SECONDS / 86_400}d`);
  return seconds * 1000;
}
