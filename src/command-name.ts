/**
 * How hints name the CLI. Installed (`npm install -g`, as the README's examples run it) the command is
 * `datalake`. Started through npm inside a checkout (`npx datalake`, `npm start`, `npm run datalake`)
 * no `datalake` is on the PATH, and `npx datalake` is what works there; told to a user of an installed
 * CLI in another folder, `npx datalake` would look the name up on the npm registry and fail.
 */
export const DATALAKE = ['exec', 'start', 'run-script'].includes(process.env['npm_command'] ?? '') ? 'npx datalake' : 'datalake';
