import { describeSystemError, errorMessage, UserError } from '../errors.js';

/**
 * A command's failure on stderr: a user's error as one line and its hint; anything else as its message
 * and a request to report it, with the stack trace when DATALAKE_DEBUG is `1` (or `true`).
 */
export function reportError(caught: unknown): void {
  const err = describeSystemError(caught);
  const debug = /^(1|true|yes|on)$/i.test((process.env['DATALAKE_DEBUG'] ?? '').trim());
  if (err instanceof UserError) {
    console.error(`error: ${err.message}`);
    if (err.hint) console.error(`  hint: ${err.hint}`);
  } else {
    console.error(`error: ${errorMessage(err)}`);
    if (!debug) console.error('  (unexpected: set DATALAKE_DEBUG=1 to see the stack trace, and please report it)');
  }
  if (debug && err instanceof Error) console.error(err.stack);
}
