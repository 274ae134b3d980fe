import path from 'node:path';
import { globsOverlap, literalGlob, matchesAny } from './globs.js';
import { sourceExtension } from './init-files.js';

/** What `init --from-csv` writes under a dataset's `files:`, and why when it is not `<stem>*.csv`. */
export interface DatasetGlobs {
  globs: string[];
  /** The dataset whose files `<stem>*.csv` would match too (its index), where the globs are narrower. */
  clash?: number;
  /** `later`: its names and `<stem>` then a date or number; `names`: its names only. */
  narrowed?: 'later' | 'names';
}

/**
 * The globs of each dataset: `<stem>*.csv` (or .tsv... as its first file), which takes its later files
 * (`orders_2024-02.csv`), unless it would match another dataset's files too (`orders*.csv` beside
 * `orders_lines*.csv`). Then the one of the shorter stem takes its files' names and `<stem>` followed by
 * a date or a number (`orders[0-9]*.csv`, `orders[-_. ][0-9]*.csv`), which the other's names never are
 * (`orders_lines...`: a letter after the separator), and the other keeps `<stem>*.csv`. Where even those
 * overlap (two datasets of one stem: `sp500.csv` beside `sp500-2000.csv`), each names its files, and a
 * later file of either is added to its `files:` by hand (the run summary names the dataset of its columns).
 * A stem after a date (`202401-citibike-tripdata.csv`) has the glob of that date before it (its `prefix`,
 * `[0-9][0-9][0-9][0-9][0-9][0-9]-`), so that `[0-9]...-citibike-tripdata*.csv` takes the next month's file.
 */
export function datasetGlobs(shapes: readonly { stem: string; prefix?: string; files: string[] }[]): DatasetGlobs[] {
  const ext = (i: number) => sourceExtension(shapes[i]!.files[0]!);
  const stem = (i: number) => `${shapes[i]!.prefix ?? ''}${literalGlob(shapes[i]!.stem)}`;
  const names = (i: number) => shapes[i]!.files.map((f) => literalGlob(path.basename(f)));
  const wide = shapes.map((_, i) => `${stem(i)}*${ext(i)}`);
  const later = (i: number) => [`${stem(i)}[0-9]*${ext(i)}`, `${stem(i)}[-_. ][0-9]*${ext(i)}`];
  // 0: `<stem>*`, 1: its names and later files, 2: its names.
  const level = shapes.map(() => 0);
  const globsAt = (i: number) => {
    if (level[i] === 0) return [wide[i]!];
    const dated = level[i] === 1 ? later(i) : [];
    return [...names(i).filter((n) => !matchesAny(dated, n)), ...dated];
  };
  const takes = (i: number, j: number) => shapes[j]!.files.some((f) => matchesAny(globsAt(i), path.basename(f)));
  const key = (i: number) => stem(i).toLowerCase();
  const overlap = (i: number, j: number) => globsAt(i).some((a) => globsAt(j).some((b) => globsOverlap(a, b)));
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < shapes.length; i++) {
      for (let j = i + 1; j < shapes.length; j++) {
        if (!overlap(i, j) || (level[i] === 2 && level[j] === 2)) continue;
        // The wider of the two is narrowed: of two stems, the one whose globs take the other's files and not the other
        // way round (`orders*` of `orders_lines.csv`, `2024*` of `202401-trips.csv`); else the one of fewer steps; else both.
        const [a, b] = [takes(i, j), takes(j, i)];
        const taker = a !== b && key(i) !== key(j) ? (a ? i : j) : undefined;
        const narrow = taker !== undefined && level[taker]! < 2 ? [taker] : level[i] !== level[j] ? [level[i]! < level[j]! ? i : j] : [i, j];
        for (const k of narrow) if (level[k]! < 2) level[k]!++;
        changed = true;
      }
    }
  }
  return shapes.map((_, i) => {
    if (level[i] === 0) return { globs: globsAt(i) };
    const clash = shapes.findIndex((_, j) => j !== i && globsOverlap(wide[j]!, wide[i]!));
    return { globs: globsAt(i), ...(clash >= 0 ? { clash } : {}), narrowed: level[i] === 1 ? 'later' : 'names' };
  });
}
