/**
 * zod, as the rest of the code imports it. The build bundles this file into one module
 * (`npm run build`: esbuild over dist/vendor/zod.js): zod is some 95 ES modules, and loading them one
 * by one was a third of what a light CLI command spent after node's own start.
 */
export { z } from 'zod';
