import { DATALAKE } from './command-name.js';
/**
 * An error caused by the user's input or environment (bad file, unreachable service, wrong setting).
 * The CLI prints `message` as one line (plus `hint` when given) and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
    this.hint = hint;
  }
}

/**
 * A definition's SQL (a KPI's, a model's) compiles but fails on the data (a CAST a value cannot take):
 * fixed by editing that file, after which a run starts again (a resume of the failed run is refused).
 */
export class DefinitionError extends UserError {}

/**
 * A declared quality rule failed: the run stops and nothing downstream is written. The cause is in the
 * data (or the rule): fixed by editing a source file or a definition, after which a resume is refused.
 */
export class QualityError extends UserError {
  constructor(
    readonly dataset: string,
    readonly rule: string,
    detail: string,
  ) {
    super(
      `quality check failed: ${dataset}: rule "${rule}": ${detail}`,
      `fix the source file (or datasets/${dataset}.yml), then start a new run with \`${DATALAKE} run\`: a resume of this one is refused once a source file or a definition changed`,
    );
    this.name = 'QualityError';
  }
}

/**
 * A service the run depends on is unreachable or failing (network error, S3 5xx, serving store down):
 * the task is retried with backoff. Every other error (bad data, bad setting, a bug) fails at once.
 */
export class ServiceError extends UserError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, hint, options);
    this.name = 'ServiceError';
  }
}

export function isTransient(err: unknown): boolean {
  return err instanceof ServiceError;
}

/** A server's own files (the SQLite store, the lake folder, scratch) are no business of anyone outside: `<path>`. */
export function noLocalPaths(text: string): string {
  return text.replace(/(?:\/[^\s'",/()]+){2,}/g, '<path>');
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The environment's failures that are not bugs, as one line a user can act on (a full disk, a file
 * the process may not touch, too many open files); anything else is returned as it is.
 */
export function describeSystemError(err: unknown): unknown {
  if (err instanceof UserError || !(err instanceof Error)) return err;
  const e = err as NodeJS.ErrnoException;
  const where = e.path ? ` (${e.path})` : '';
  if (e.code === 'ENOSPC' || /No space left on device/i.test(e.message)) {
    return new UserError(`the disk is full${where}: no space left to write`, 'free space where DATA_DIR is (the lake, the serving store and .scratch live there), then run again: nothing half-written stays visible', { cause: err });
  }
  if (e.code === 'EDQUOT') return new UserError(`the disk quota is exceeded${where}`, 'free space or raise the quota where DATA_DIR is, then run again', { cause: err });
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
    return new UserError(`no permission to write${where}: ${e.code}`, 'check the owner and permissions of DATA_DIR (or the folder named), or set DATA_DIR to a writable folder', { cause: err });
  }
  if (e.code === 'EMFILE' || e.code === 'ENFILE') return new UserError('too many open files', 'raise the limit (ulimit -n) and run again', { cause: err });
  // A path given on the command line (`--out`, init's folder) that cannot be one: said in one line.
  if (e.path && e.code === 'EEXIST' && e.syscall === 'mkdir') return new UserError(`cannot make the folder ${e.path}: a file of that name exists`, 'give the path of a new or existing folder', { cause: err });
  if (e.path && e.code === 'EISDIR') return new UserError(`${e.path} is a folder, not a file`, `give a file's path, e.g. ${e.path.replace(/\/+$/, '')}/out.json`, { cause: err });
  if (e.path && e.code === 'ENOTDIR') return new UserError(`${e.path}: a part of this path is a file, not a folder`, 'give a path whose folders are folders', { cause: err });
  if (e.path && e.code === 'ENOENT' && (e.syscall === 'open' || e.syscall === 'mkdir')) return new UserError(`no such file or folder: ${e.path}`, 'check the path (a file is written into a folder that exists)', { cause: err });
  return err;
}

/** The audit of a run's version failed: nothing was committed; `datalake publish --approve <run>` commits it anyway. */
export class AuditError extends UserError {
  constructor(
    readonly runId: string,
    readonly failed: { table: string; check: string; detail: string }[],
  ) {
    super(
      `audit failed, nothing committed: ${failed.map((f) => `${f.table}: ${f.check}: ${f.detail}`).join('; ')}`,
      `the lake and the serving store stay on the previous version; fix the data and run again, or commit it anyway with \`${DATALAKE} publish --approve ${runId}\``,
    );
    this.name = 'AuditError';
  }
}
