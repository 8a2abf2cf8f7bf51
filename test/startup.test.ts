import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { StartAborted, untilAborted } from '../services/startup.js';
import { accepts, freePort } from './support/process.js';

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

describe('an embedded emulator on its thread (sluice start)', () => {
  it('is terminated when the start is interrupted before it listens: the start rejects with StartAborted, the port stays free', async () => {
    // The compiled module: the thread runs dist/emulators/thread-entry.js, which only the build writes.
    const { startEmulatorThread } = (await import(join(packageRoot, 'dist', 'emulators', 'in-thread.js'))) as typeof import('../emulators/in-thread.js');
    const data = { kind: 'elasticsearch', port: await freePort(), dataDir: mkdtempSync(join(tmpdir(), 'sluice-thread-')), logLevel: 'silent', logFormat: 'json' } as const;
    const interrupt = new AbortController();
    const starting = startEmulatorThread(data, interrupt.signal);
    interrupt.abort();
    await expect(starting).rejects.toMatchObject({ name: 'StartAborted' });
    // Left running, the thread would listen within a second or so (a start takes a few hundred milliseconds).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await accepts(data.port)).toBe(false);
    const again = await startEmulatorThread(data);
    expect(again.address).toBe(`http://127.0.0.1:${data.port}`);
    await again.close();
  });
});
