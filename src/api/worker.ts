// One server process of a SERVER_WORKERS > 1 cluster: listens on the shared port, reports its URL.
import { loadConfig } from '../config.js';
import { errorMessage } from '../errors.js';
import { startServer } from './server.js';

try {
  const { url } = await startServer(loadConfig());
  process.send?.({ url });
} catch (err) {
  process.send?.({ error: errorMessage(err) });
  process.exit(1);
}
