import type { DatasetSpec, Project } from './types.js';

/**
 * File-name globs of the datasets (`flights*.csv`): `*` is any run of characters, `?` one character,
 * everything else itself, ignoring case. Only these two wildcards, so that whether two datasets' globs
 * can claim the same file is decidable (see globsOverlap) and `check` can refuse such a project.
 */

export function validGlob(glob: string): string | undefined {
  if (/[/\\]/.test(glob)) return 'a file name, without folders';
  if (/[[\]{}!]/.test(glob)) return 'only * and ? are wildcards (no [], {} or !)';
  return undefined;
}

export function globRegExp(glob: string): RegExp {
  const body = [...glob].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 'is');
}

/** Names compared composed (NFC): macOS writes `é` as `e` and a combining accent, which looks the same. */
export function matchesAny(globs: readonly string[], fileName: string): boolean {
  const name = fileName.normalize('NFC');
  return globs.some((g) => globRegExp(g.normalize('NFC')).test(name));
}

/**
 * Whether some file name matches both globs: a walk over pairs of positions in the two patterns,
 * where `*` may stay on its position (take one more character) or move on (take none).
 */
export function globsOverlap(a: string, b: string): boolean {
  const p = [...a.toLowerCase()];
  const q = [...b.toLowerCase()];
  const seen = new Set<string>();
  const stack: [number, number][] = [[0, 0]];
  while (stack.length) {
    const [i, j] = stack.pop()!;
    const k = `${i},${j}`;
    if (seen.has(k)) continue;
    seen.add(k);
    if (i === p.length && j === q.length) return true;
    // A star may match nothing.
    if (p[i] === '*') stack.push([i + 1, j]);
    if (q[j] === '*') stack.push([i, j + 1]);
    if (i === p.length || j === q.length) continue;
    // Both take one character: it must fit both sides; a star takes it and stays.
    const fits = p[i] === '*' || q[j] === '*' || p[i] === '?' || q[j] === '?' || p[i] === q[j];
    if (fits) stack.push([p[i] === '*' ? i : i + 1, q[j] === '*' ? j : j + 1]);
  }
  return false;
}

/** The dataset a source file feeds: the one whose `files` globs match its name. */
export function datasetForFile(project: Project, fileName: string): DatasetSpec | undefined {
  return project.datasets.find((d) => matchesAny(d.files, fileName));
}
