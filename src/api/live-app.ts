import type { IncomingMessage, ServerResponse } from 'node:http';

/** One app the live server hands requests to: its request handler, and how to close it. */
export interface Served {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

export interface LiveAppOptions<P> {
  /** The definitions as they are now: cheap when unchanged (project-watch reads the files again only when they changed). */
  current(): P;
  /** What of the definitions the app is built from: another value means another app. */
  signature(definitions: P): string;
  build(definitions: P): Promise<Served>;
  /** Told when another app serves, with what changed; and when one could not be built. */
  log: { info(message: string): void; error(message: string): void };
  /** What changed between two definitions, for the log. */
  describe?(before: P, after: P): string;
  /** How often the definitions are looked at (default 1 s). */
  checkMs?: number;
  /** How long a replaced app is given to finish its requests before it is closed all the same (default 60 s). */
  drainMs?: number;
}

interface Entry<P> {
  served: Served;
  definitions: P;
  signature: string;
  /** Requests handed to it whose response has not closed yet. */
  inFlight: number;
  /** Set once another app serves: closed when its last request ends (or after drainMs). */
  retired?: () => void;
}

/**
 * The request handler of a server whose routes follow the definitions: an app (its routes, OpenAPI
 * document, dashboard list) is built from the definitions as they are, and when they change another is
 * built off to the side, then swapped in at once for the requests that arrive after; the requests the
 * old one had taken finish on it, and it is closed once they have. A definition change the app cannot
 * be built from leaves the app that serves, said once in the log.
 */
export class LiveApp<P> {
  private active: Entry<P>;
  private readonly timer: NodeJS.Timeout;
  private checking: Promise<void> | undefined;
  private failed: string | undefined;
  private readonly draining = new Set<Promise<void>>();
  private readonly retired = new Set<Entry<P>>();
  private closed = false;

  private constructor(
    private readonly options: LiveAppOptions<P>,
    first: Entry<P>,
  ) {
    this.active = first;
    // A timer, not a look per request: a request pays nothing for it, an idle server follows too.
    this.timer = setInterval(() => void this.refresh(), options.checkMs ?? 1000);
    this.timer.unref();
  }

  static async start<P>(options: LiveAppOptions<P>): Promise<LiveApp<P>> {
    const definitions = options.current();
    const served = await options.build(definitions);
    return new LiveApp(options, { served, definitions, signature: options.signature(definitions), inFlight: 0 });
  }

  /** The definitions of the app now serving. */
  get definitions(): P {
    return this.active.definitions;
  }

  /** For `http.createServer`: each request goes to the app serving when it arrives, and stays with it. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const entry = this.active;
    entry.inFlight++;
    // 'close' comes once, when the response is done or its connection gone.
    res.on('close', () => {
      if (--entry.inFlight === 0) entry.retired?.();
    });
    entry.served.handle(req, res);
  };

  /** Looks at the definitions and swaps in an app built from them if they changed; resolves once that is done. */
  refresh(): Promise<void> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    let definitions: P;
    try {
      definitions = this.options.current();
    } catch (err) {
      return void this.options.log.error(`cannot read the definitions: ${(err as Error).message}`);
    }
    const signature = this.options.signature(definitions);
    if (signature === this.active.signature || signature === this.failed) return;
    let served: Served;
    try {
      served = await this.options.build(definitions);
    } catch (err) {
      // Said once per state of the files, not every second; the app before keeps serving.
      this.failed = signature;
      return void this.options.log.error(`the changed definitions cannot be served, still serving the previous ones: ${(err as Error).message}`);
    }
    if (this.closed) return void (await served.close());
    const before = this.active;
    this.active = { served, definitions, signature, inFlight: 0 };
    this.failed = undefined;
    this.options.log.info(`the definitions changed${this.options.describe ? ` (${this.options.describe(before.definitions, definitions)})` : ''}: served from now on, without a restart`);
    this.retire(before);
  }

  private retire(entry: Entry<P>): void {
    this.retired.add(entry);
    const drained = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.drainMs ?? 60_000);
      timer.unref();
      entry.retired = () => {
        clearTimeout(timer);
        resolve();
      };
      if (entry.inFlight === 0) entry.retired();
    });
    const closing = drained
      .then(() => entry.served.close())
      .catch((err: unknown) => this.options.log.error(`closing the previous app: ${(err as Error).message}`))
      .finally(() => {
        this.retired.delete(entry);
        this.draining.delete(closing);
      });
    this.draining.add(closing);
  }

  /**
   * Stops following the definitions and closes every app: called as the server stops taking requests,
   * so that a request arriving meanwhile gets the closing app's 503.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.checking?.catch(() => undefined);
    for (const entry of this.retired) entry.retired?.();
    await Promise.all([this.active.served.close(), ...this.draining]);
  }
}
