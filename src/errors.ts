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

/** A declared quality rule failed: the run stops and nothing downstream is written. */
export class QualityError extends UserError {
  constructor(
    readonly dataset: string,
    readonly rule: string,
    detail: string,
  ) {
    super(`quality check failed: ${dataset}: rule "${rule}": ${detail}`);
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

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
