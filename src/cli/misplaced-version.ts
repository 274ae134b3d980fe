import { UserError } from '../errors.js';
import { DATALAKE } from '../command-name.js';

/**
 * The command a `--version` (or `-V`) is given after, if any. Commander reads the program's options
 * anywhere on the line (`check --project x` relies on it), so `show resume --version 2` printed the
 * program's version and exited 0, as if it had shown version 2. The program's only option with a value
 * is --project.
 */
function versionAfterCommand(args: readonly string[]): string | undefined {
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (arg === '--version' || arg === '-V' || arg.startsWith('--version=')) return command;
    if (command !== undefined || arg.startsWith('-')) {
      if (command === undefined && arg === '--project') i++;
      continue;
    }
    command = arg;
  }
  return undefined;
}

/** Refuses `--version` given after a command, saying where it goes (see versionAfterCommand). */
export function refuseVersionAfterCommand(args: readonly string[]): void {
  const misplaced = versionAfterCommand(args);
  if (misplaced === undefined) return;
  throw new UserError(
    `--version is not an option of \`${misplaced}\`: it prints the program's version, before any command`,
    misplaced === 'show' ? `\`${DATALAKE} --version\` for the program's version; a KPI as of a lake version: \`${DATALAKE} show <kpi> --at N\` (\`${DATALAKE} history\` lists them)` : `\`${DATALAKE} --version\` for the program's version; \`${DATALAKE} history\` lists the lake's versions`,
  );
}
