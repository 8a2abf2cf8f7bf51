import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync, writevSync } from 'node:fs';
import { crc32c } from './crc32c.js';

/** When appended data is forced to disk. `always`: before a produce or commit is acknowledged. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

const FRAME_HEADER = 8;
/** Buffers per writev call (the usual IOV_MAX). */
const MAX_IOVECS = 1024;

/** A record's payload: one buffer, or parts that follow one another in the record (framed as one). */
export type Payload = Buffer | readonly Buffer[];

/** Pushes a record's frame header and parts; returns their bytes. */
function frame(payload: Payload, into: Buffer[]): number {
  const parts = Buffer.isBuffer(payload) ? [payload] : payload;
  let length = 0;
  let crc = 0;
  for (const part of parts) {
    length += part.length;
    crc = crc32c(part, 0, part.length, crc);
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER);
  header.writeUInt32BE(length, 0);
  header.writeUInt32BE(crc, 4);
  into.push(header, ...parts);
  return FRAME_HEADER + length;
}

export interface Recovered {
  records: Buffer[];
  /** Bytes cut from the end of the file because the last record was torn or corrupt. */
  truncatedBytes: number;
}

/**
 * An append-only file of records framed as [uint32 length][uint32 CRC-32C][payload]. At open, the file is
 * read back; the first record that is incomplete or fails its CRC (a torn write after a power cut) and
 * everything after it are cut off, so nothing half-written is ever served.
 */
export class RecordFile {
  private dirty = false;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly fsync: FsyncPolicy,
  ) {}

  static open(path: string, fsync: FsyncPolicy): { file: RecordFile } & Recovered {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      data = Buffer.alloc(0);
    }
    const records: Buffer[] = [];
    let offset = 0;
    while (data.length - offset >= FRAME_HEADER) {
      const length = data.readUInt32BE(offset);
      const end = offset + FRAME_HEADER + length;
      if (end > data.length || crc32c(data, offset + FRAME_HEADER, end) !== data.readUInt32BE(offset + 4)) break;
      records.push(data.subarray(offset + FRAME_HEADER, end));
      offset = end;
    }
    const fd = openSync(path, 'a+');
    const truncatedBytes = data.length - offset;
    if (truncatedBytes > 0) {
      ftruncateSync(fd, offset);
      fsyncSync(fd);
    }
    return { file: new RecordFile(path, fd, fsync), records, truncatedBytes };
  }

  /**
   * A new, empty file at `path`, for a compaction to fill and rename into place: whatever an earlier compaction
   * stopped by a crash left there is dropped, or its stale records would come back with the renamed file.
   */
  static create(path: string, fsync: FsyncPolicy): RecordFile {
    return new RecordFile(path, openSync(path, 'w+'), fsync);
  }

  append(payload: Payload): void {
    this.appendMany([payload]);
  }

  /** Several records in one write, their parts gathered by writev rather than copied into one buffer. */
  appendMany(payloads: readonly Payload[]): void {
    const parts: Buffer[] = [];
    let total = 0;
    for (const payload of payloads) total += frame(payload, parts);
    let written = 0;
    for (let i = 0; i < parts.length; i += MAX_IOVECS) {
      const batch = parts.slice(i, i + MAX_IOVECS);
      const done = writevSync(this.fd, batch);
      written += done;
      // After a short write nothing further may be written past it.
      if (done < batch.reduce((sum, part) => sum + part.length, 0)) break;
    }
    // The rest of a short write (a full disk) goes the plain way, which fails loudly if it cannot go on.
    if (written < total) writeSync(this.fd, Buffer.concat(parts).subarray(written));
    if (this.fsync === 'always') fsyncSync(this.fd);
    else this.dirty = true;
  }

  /** Called by the interval flusher. */
  sync(): void {
    if (!this.dirty) return;
    fsyncSync(this.fd);
    this.dirty = false;
  }

  /**
   * Idempotent: closing a descriptor twice would close whatever the process opened under that number since
   * (a test's second emulator lost its listening socket that way).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sync();
    closeSync(this.fd);
  }
}
