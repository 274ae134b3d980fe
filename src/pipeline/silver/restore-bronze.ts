import type { BronzeFile } from '../bronze.js';
import { sha256File } from '../csv-file.js';
import type { RunContext } from '../context.js';
import { listCandidates } from '../sources.js';

/**
 * The bronze files of `files` that `datalake vacuum --bronze` deleted, once those whose source the sources
 * folder or bucket still holds with the same bytes (name, size, checksum) are put back: a rebuild from
 * bronze then loses none of their rows. Asked only of a rebuild, and reads only the files that are gone.
 */
export async function vacuumedBronze(ctx: RunContext, files: readonly BronzeFile[]): Promise<string[]> {
  if (files.length === 0) return [];
  const present = new Set((await ctx.lake.list('bronze')).map((o) => o.key));
  const gone = files.filter((f) => !present.has(f.key));
  if (gone.length === 0) return [];
  const sources = new Map((await listCandidates(ctx.config, ctx.lake, false)).map((c) => [c.name, c]));
  const downloads = await ctx.workDir('bronze-restore');
  const still: string[] = [];
  for (const f of gone) {
    const source = sources.get(f.name);
    if (!source || source.defect || source.size !== f.size) {
      still.push(f.key);
      continue;
    }
    const file = source.file ?? (await ctx.lake.localPath('sources', f.name, downloads));
    if ((await sha256File(file)) === f.sha256) await ctx.lake.putFile('bronze', f.key, file);
    else still.push(f.key);
  }
  return still;
}
