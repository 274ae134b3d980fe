/** An error with an HTTP status and a message meant for the client (rendered as JSON by the app). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);
export const unavailable = (message: string) => new HttpError(503, message, { 'retry-after': '5' });

export const NOTHING_PUBLISHED = 'no KPI has been published yet: run the pipeline (`npx datalake run`) first';
