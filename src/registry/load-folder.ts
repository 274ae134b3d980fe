import fs from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { z } from 'zod';
import { UserError } from '../errors.js';

/**
 * Loads one definition per file from a folder: the file name (without extension) is the id, the
 * default export the definition, validated against `schema`. A bad file fails start-up with an error
 * naming the file and the field. Adding a definition is adding a file; there is no list to edit.
 */
export async function loadDefinitionFolder<S extends z.ZodType>(folderUrl: URL, schema: S, kind: string): Promise<Map<string, z.infer<S>>> {
  const dir = fileURLToPath(folderUrl);
  const ext = path.extname(fileURLToPath(import.meta.url)); // .ts under tsx, .js once built
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith(ext) && !f.includes('.test.') && !f.startsWith('_') && f !== `index${ext}`).sort();
  const out = new Map<string, z.infer<S>>();
  for (const file of files) {
    const id = file.slice(0, -ext.length);
    const where = `${kind} ${path.join(path.relative(process.cwd(), dir) || '.', file)}`;
    if (!/^[a-z][a-z0-9_]*$/.test(id)) throw new UserError(`${where}: the file name must be snake_case (a-z, 0-9, _), it becomes the id`);
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: unknown };
    if (mod.default === undefined) throw new UserError(`${where}: no default export (export default define...({ ... }))`);
    const parsed = schema.safeParse(mod.default);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UserError(`${where}: field "${issue.path.join('.') || '(root)'}": ${issue.message}`);
    }
    out.set(id, parsed.data);
  }
  return out;
}
