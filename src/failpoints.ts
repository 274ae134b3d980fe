/**
 * Failpoints: named moments where a test makes the process die as kill -9 would (DATALAKE_FAILPOINT=
 * <name>), to prove that a crash at that exact moment leaves the lake whole. Unset, each is a no-op.
 *
 *   upload:first           after the first object of a task is put in the lake
 *   commit:before-states   a run's objects are all in the lake, its states not yet
 *   commit:before-version  states written, the version record not yet
 *   commit:after-version   the version is committed, the serving store not yet published
 */
export function failpoint(name: string): void {
  if (process.env['DATALAKE_FAILPOINT'] === name) process.kill(process.pid, 'SIGKILL');
}
