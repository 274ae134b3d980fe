/**
 * zod's "mini" API, for the settings that every command reads at start. Bundled by the build like
 * zod.js (`npm run build`), but from named exports only, so the bundle keeps just these functions:
 * loading full zod cost a light command such as `kpis` 15 to 20 ms, this about 2 ms.
 * Mini loads no messages of its own; the English ones are the same as full zod's.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export { _default, coerce, enum, object, optional, pipe, refine, string, transform, trim, toLowerCase, minLength, int, minimum, maximum, positive } from 'zod/mini';
export type { infer } from 'zod/mini';
