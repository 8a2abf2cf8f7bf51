/**
 * What a service start shares: an error for a start that cannot go on (a port in use, a setting the
 * cluster refuses), which the command line prints as one line, and the cleanup of what was already started.
 */

/** A start that cannot succeed by waiting: printed as one line, with the exit code to end with. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/** A start interrupted by Ctrl-C or SIGTERM: nothing failed, so the process ends with 0. */
export class StartAborted extends Error {
  constructor() {
    super('start interrupted');
    this.name = 'StartAborted';
  }
}

/**
 * A listener that could not bind, as a StartupError naming the address and the setting that moves it.
 * Any other error is returned as it was.
 */
export function portInUse(error: unknown, hint: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return error;
  const { address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const why = code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied';
  return new StartupError(`cannot listen on ${address ?? ''}:${port ?? ''}: ${why} (${hint})`);
}

/** Closers of what has started, run newest first when the start fails or when the service stops. */
export class Started {
  private readonly closers: Array<() => Promise<void>> = [];

  add(close: () => Promise<void>): void {
    this.closers.unshift(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0)) await close().catch(() => undefined);
  }

  /** Runs `start`; if it throws, everything started so far is closed before the error goes on. */
  async guard<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      await this.closeAll();
      throw error;
    }
  }
}

/** Throws StartAborted once the signal fired: a start checks between its steps. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new StartAborted();
}

/** `work`, or StartAborted as soon as the signal fires (the work itself is left to the cleanup to end). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    // The work is already under way and may still fail: its failure is the cleanup's, not an unhandled rejection.
    work.catch(() => undefined);
    return Promise.reject(new StartAborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new StartAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
