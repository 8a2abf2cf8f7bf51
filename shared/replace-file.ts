import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * Writes a file whole under a temporary name of its own (process and thread) and renames it into place: a
 * reader sees the old file or the new one, never half of one, even with several processes or threads writing
 * it at once (members starting together), and a crash leaves the old one whole.
 */
export function replaceFile(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${threadId}.tmp`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      // writeFileSync on a descriptor writes each piece whole (writeSync may write less than it is given).
      for (const piece of typeof data === 'string' || data instanceof Uint8Array ? [data] : data) writeFileSync(fd, piece);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
