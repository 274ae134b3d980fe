import type { DatasetSpec, Project } from './types.js';

/**
 * File-name globs of the datasets (`flights*.csv`): `*` is any run of characters, `?` one character,
 * `[...]` one of the characters or ranges listed (`[0-9]` a digit, `[-_. ]` a separator), everything else
 * itself, ignoring case. No negation, braces or `**`, so that whether two datasets' globs can claim the
 * same file is decidable (see globsOverlap) and `check` can refuse such a project.
 */

/** One position of a glob: `*`, or one character among the ranges (none: any character, `?`). */
type Token = { star: true } | { star?: false; ranges?: [string, string][] };

/** A glob's positions, or what is wrong with it. A `-` first or last in brackets is itself; `]` may not be in them. */
function tokens(glob: string): Token[] | string {
  const out: Token[] = [];
  const chars = [...glob];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') out.push({ star: true });
    else if (ch === '?') out.push({});
    else if (ch === ']') return 'a ] without its [';
    else if (ch !== '[') out.push({ ranges: [[ch, ch]] });
    else {
      const end = chars.indexOf(']', i + 1);
      if (end < 0) return 'a [ without its ]';
      const inside = chars.slice(i + 1, end);
      if (!inside.length) return 'an empty []';
      if (inside[0] === '!' || inside[0] === '^') return 'no negated [!...]: list the characters wanted';
      if (inside.includes('[')) return 'a [ inside [...]';
      const ranges: [string, string][] = [];
      for (let k = 0; k < inside.length; k++) {
        const [lo, dash, hi] = [inside[k]!, inside[k + 1], inside[k + 2]];
        if (dash !== '-' || hi === undefined) {
          ranges.push([lo, lo]);
          continue;
        }
        // Ranges of digits or of letters of one case, which compare alike whatever the case of a name.
        const kind = (c: string) => (/[0-9]/.test(c) ? 'digit' : /[a-z]/.test(c) ? 'lower' : /[A-Z]/.test(c) ? 'upper' : 'other');
        if (kind(lo) === 'other' || kind(lo) !== kind(hi) || lo > hi) return `"${lo}-${hi}" is no range: ranges are of digits or letters, in order ([0-9], [a-z])`;
        ranges.push([lo, hi]);
        k += 2;
      }
      out.push({ ranges });
      i = end;
    }
  }
  return out;
}

export function validGlob(glob: string): string | undefined {
  if (/[/\\]/.test(glob)) return 'a file name, without folders';
  if (/[{}!]/.test(glob.replace(/\[[!^]/g, '['))) return 'only *, ? and [...] are wildcards (no {} or !)';
  const parsed = tokens(glob);
  return typeof parsed === 'string' ? parsed : undefined;
}

export function globRegExp(glob: string): RegExp {
  const parsed = tokens(glob);
  const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  const body = typeof parsed === 'string' ? escape(glob) : parsed.map((t) => (t.star ? '.*' : !t.ranges ? '.' : `[${t.ranges.map(([lo, hi]) => (lo === hi ? escape(lo) : `${escape(lo)}-${escape(hi)}`)).join('')}]`)).join('');
  return new RegExp(`^${body}$`, 'is');
}

/** A file's name as a glob matching it alone: a character the globs read otherwise (`[`, `*`, `!`...) is `?` there. */
export function literalGlob(name: string): string {
  return name.replace(/[*?[\]{}!]/g, '?');
}

/** Names compared composed (NFC): macOS writes `é` as `e` and a combining accent, which looks the same. */
export function matchesAny(globs: readonly string[], fileName: string): boolean {
  const name = fileName.normalize('NFC');
  return globs.some((g) => globRegExp(g.normalize('NFC')).test(name));
}

/** Whether a character fits both positions (none of them a star), compared lowercased as names are. */
function fits(a: Token, b: Token): boolean {
  if (a.star || b.star || !a.ranges || !b.ranges) return true;
  const low = (r: [string, string]) => [r[0].toLowerCase(), r[1].toLowerCase()] as const;
  return a.ranges.some((x) => b.ranges!.some((y) => {
    const [[alo, ahi], [blo, bhi]] = [low(x), low(y)];
    return alo <= bhi && blo <= ahi;
  }));
}

/**
 * Whether some file name matches both globs: a walk over pairs of positions in the two patterns,
 * where `*` may stay on its position (take one more character) or move on (take none).
 */
export function globsOverlap(a: string, b: string): boolean {
  const [p, q] = [tokens(a), tokens(b)];
  // A glob that is not one (refused by validGlob) is read as its characters.
  const parsed = (t: Token[] | string, s: string): Token[] => (typeof t === 'string' ? [...s].map((c) => ({ ranges: [[c, c]] })) : t);
  const [ps, qs] = [parsed(p, a), parsed(q, b)];
  const seen = new Set<string>();
  const stack: [number, number][] = [[0, 0]];
  while (stack.length) {
    const [i, j] = stack.pop()!;
    const k = `${i},${j}`;
    if (seen.has(k)) continue;
    seen.add(k);
    if (i === ps.length && j === qs.length) return true;
    // A star may match nothing.
    if (ps[i]?.star) stack.push([i + 1, j]);
    if (qs[j]?.star) stack.push([i, j + 1]);
    if (i === ps.length || j === qs.length) continue;
    // Both take one character: it must fit both sides; a star takes it and stays.
    if (fits(ps[i]!, qs[j]!)) stack.push([ps[i]!.star ? i : i + 1, qs[j]!.star ? j : j + 1]);
  }
  return false;
}

/** The dataset a source file feeds: the one whose `files` globs match its name. */
export function datasetForFile(project: Project, fileName: string): DatasetSpec | undefined {
  return project.datasets.find((d) => matchesAny(d.files, fileName));
}
