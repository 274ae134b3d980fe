import fs from 'node:fs/promises';
import { createApp, serve } from '../../api/server.js';
import type { Config } from '../../config.js';
import { errorMessage, UserError } from '../../errors.js';
import { TASKS } from '../../flows/definitions.js';
import { isSourceFileName } from '../../lake/keys.js';
import { generateCommand, isShopShaped } from './generate.js';
import { stagesCommand } from './run.js';

async function sourcesAreEmpty(dir: string): Promise<boolean> {
  try {
    return !(await fs.readdir(dir)).some(isSourceFileName);
  } catch {
    return true;
  }
}

export async function serveCommand(config: Config): Promise<void> {
  const url = await serve(config);
  console.log(`Dashboard: ${url}/   API: ${url}/api   Docs: ${url}/docs   (Ctrl+C to stop)`);
}

/** The OpenAPI document of this project's API, as /openapi.json serves it. */
export async function openapiCommand(config: Config, out?: string): Promise<void> {
  const app = await createApp(config);
  try {
    await app.ready();
    const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
    if (out) await fs.writeFile(out, text);
    else process.stdout.write(text);
  } finally {
    await app.close();
  }
}

export async function startCommand(config: Config): Promise<void> {
  if (await sourcesAreEmpty(config.sourcesDir)) {
    // The generator writes the shop's files: a project of its own shape gets its files from the user.
    if (isShopShaped(config)) {
      console.log(`No source CSV in ${config.sourcesDir}: generating the seed's sample data (1500 clients, seed 42).`);
      await generateCommand(config, { seed: 42, dirtyRate: 0 });
    } else {
      console.log(`No source CSV in ${config.sourcesDir}: put the files of ${config.project.datasets.map((d) => d.files.join(', ')).join(', ')} there.`);
    }
  }
  // In distributed mode this process is a worker too, so the first run does not wait for one elsewhere.
  const worker = config.redisUrl ? await (await import('../../flows/queue/index.js')).startWorker(config, { log: (m) => console.log(`[worker] ${m}`) }) : undefined;
  if (worker) onStop(() => worker.close().finally(() => process.exit(0)));
  try {
    await stagesCommand(config, TASKS, {});
  } catch (err) {
    // Serve what exists so far: the previous publish is still complete and readable.
    console.error(`error: ${errorMessage(err)}${err instanceof UserError && err.hint ? `\n  hint: ${err.hint}` : ''}`);
    console.error('The pipeline failed; serving the last published KPIs.');
  }
  await serveCommand(config);
}

/**
 * Ctrl+C or SIGTERM stops a worker: it closes cleanly when it can, and exits after 3 s whatever the
 * state of Redis or of its running job (whose run another worker then takes over); a second signal
 * exits at once.
 */
export function onStop(close: () => Promise<unknown>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    setTimeout(() => {
      console.error('stopped without waiting any longer for Redis or the running job (another worker takes it over)');
      process.exit(143);
    }, 3000).unref();
    void close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
