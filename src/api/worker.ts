// One server process of a SERVER_WORKERS > 1 cluster: listens on the shared port, reports its URL.
import { loadConfig } from '../config.js';
import { errorMessage, UserError } from '../errors.js';
import { startServer } from './server.js';

try {
  const { url } = await startServer(loadConfig());
  process.send?.({ url });
} catch (err) {
  // Sent before exiting: the primary reports it (with its hint) instead of starting another worker.
  const message = { error: errorMessage(err), ...(err instanceof UserError && err.hint ? { hint: err.hint } : {}) };
  if (process.send) process.send(message, undefined, undefined, () => process.exit(1));
  else process.exit(1);
}
