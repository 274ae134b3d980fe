import { SqliteServingStore } from '../../src/serving/sqlite.js';

/**
 * Opens each of `files` at its given instant, as one of a server's workers opening a new store: run
 * in several processes with the same schedule, they open each file at the same moment. Prints the
 * errors it met, one per line.
 */
const { files, startAt, spacingMs } = JSON.parse(process.argv[2]!) as { files: string[]; startAt: number; spacingMs: number };
const errors: string[] = [];
for (const [i, file] of files.entries()) {
  const at = startAt + i * spacingMs;
  while (Date.now() < at) {
    // Spinning, not a timer: a timer's lateness would spread the processes apart.
  }
  try {
    await new SqliteServingStore(file).close();
  } catch (err) {
    errors.push((err as Error).message);
  }
}
process.stdout.write(errors.join('\n'));
