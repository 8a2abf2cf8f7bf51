import { describe, expect, it } from 'vitest';
import { StartAborted, untilAborted } from '../services/startup.js';

/** A promise settled from outside, as a start step still under way. */
function pending<T>(): { work: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const work = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { work, resolve, reject };
}

describe('a start step that Ctrl-C can interrupt (untilAborted)', () => {
  it('gives the step\'s value, or StartAborted as soon as the signal fires while it runs', async () => {
    const done = pending<number>();
    const running = untilAborted(done.work, new AbortController().signal);
    done.resolve(7);
    expect(await running).toBe(7);

    const controller = new AbortController();
    const stuck = untilAborted(pending<number>().work, controller.signal);
    controller.abort();
    await expect(stuck).rejects.toBeInstanceOf(StartAborted);
  });

  it('refuses at once when the start was interrupted already, and the step\'s later failure is not left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const controller = new AbortController();
      controller.abort();
      const step = pending<number>();
      await expect(untilAborted(step.work, controller.signal)).rejects.toBeInstanceOf(StartAborted);
      step.reject(new Error('the loading stopped: the start was interrupted'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
