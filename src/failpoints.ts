import { UserError } from './errors.js';

/**
 * Failpoints: named moments where a test makes the process die as kill -9 would (DATALAKE_FAILPOINT=
 * <name>), to prove that a crash at that exact moment leaves the lake whole, or fail there with an
 * error (DATALAKE_FAILPOINT=throw:<name>), to prove what a failed run leaves and how it resumes.
 * `*` in a name stands for any text; several names are separated by commas. Unset, each is a no-op.
 *
 *   upload:first           after the first object of a task is put in the lake
 *   commit:before-states   a run's objects are all in the lake, its states not yet
 *   commit:before-version  states written, the version record not yet
 *   commit:after-version   the version is committed, the serving store not yet published
 *   task:<task>            an attempt of a task starts (task:gold)
 *   shard:<label>          a shard starts, in-process or on a worker (shard:clean achats/ingest_date=…/achats_2.csv)
 *   silver:combine         silver's shards are done, its merge not started
 *   gold:combine           gold's partitions are built, its other tables and KPIs not started
 *   vacuum:after-versions  a vacuum deleted the records of the versions it drops, not yet their objects
 *   record:save            a run's record is about to be written to the lake (throw: the lake refusing it)
 */
export function failpoint(name: string): void {
  const wanted = process.env['DATALAKE_FAILPOINT'];
  if (!wanted) return;
  for (const entry of wanted.split(',')) {
    const thrown = entry.startsWith('throw:');
    const pattern = thrown ? entry.slice('throw:'.length) : entry;
    const matches = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (!matches.test(name)) continue;
    if (thrown) throw new FailpointError(name);
    process.kill(process.pid, 'SIGKILL');
  }
}

/** The failure a `throw:` failpoint injects: not transient, so the task is not retried. */
export class FailpointError extends UserError {
  constructor(name: string) {
    super(`injected failure at failpoint ${name}`, 'DATALAKE_FAILPOINT is set: unset it to run normally');
    this.name = 'FailpointError';
  }
}
