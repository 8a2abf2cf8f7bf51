import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * Writes a file of SLUICE_CACHE_DIR under a temporary name of its own (process and thread) and renames it into
 * place: members and threads starting together never read half a file, and a crash leaves the old one whole.
 */
export function writeCacheFile(file: string, pieces: readonly Uint8Array[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${threadId}.tmp`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      for (const piece of pieces) writeSync(fd, piece);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
