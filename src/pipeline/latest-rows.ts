/**
 * The rows of several new files of a keyed dataset that the merge takes: the latest of each key (`_file`
 * is the file's position, oldest first). Keys are unique within a file, so only keys in several files
 * need choosing; finding them is an aggregate on the keys (it spills), where a window over every row
 * would hold them all in memory.
 *
 * A latest row waiting for its reference (`pending`, SQL over a row) does not supersede the latest of
 * its key that joins silver: that one is taken too, as the files would give one run at a time (the row
 * in silver, its correction waiting). `superseded` counts the rows taken by neither, accounted for.
 */
export function latestRows(union: string, keys: string, pending: string | undefined): { rows: string; superseded: string } {
  const repeated = `SELECT ${keys}, max(_file) AS _keep, count(*) AS _n FROM (SELECT ${keys}, _file FROM (${union})) GROUP BY ALL HAVING count(*) > 1`;
  // The latest row of a repeated key that joins silver, read only for the repeated keys' rows.
  const released = pending
    ? `SELECT ${keys}, max(_file) AS _released FROM (SELECT u.* FROM (${union}) u SEMI JOIN (${repeated}) USING (${keys})) WHERE NOT (${pending}) GROUP BY ALL`
    : undefined;
  const chosen = released ? `SELECT d.*, r._released FROM (${repeated}) d LEFT JOIN (${released}) r USING (${keys})` : `SELECT *, _keep AS _released FROM (${repeated})`;
  return {
    rows: `SELECT u.* FROM (${union}) u LEFT JOIN (${chosen}) d USING (${keys}) WHERE d._keep IS NULL OR u._file = d._keep OR u._file = d._released`,
    superseded: `SELECT coalesce(sum(_n - 1 - CASE WHEN _released IS NOT NULL AND _released <> _keep THEN 1 ELSE 0 END), 0) AS n FROM (${chosen})`,
  };
}
