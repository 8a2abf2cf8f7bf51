import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { crc32c } from './crc32c.js';

/** When appended data is forced to disk. `always`: before a produce or commit is acknowledged. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

const FRAME_HEADER = 8;

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

  append(payload: Buffer): void {
    const header = Buffer.allocUnsafe(FRAME_HEADER);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32c(payload), 4);
    writeSync(this.fd, header);
    writeSync(this.fd, payload);
    if (this.fsync === 'always') fsyncSync(this.fd);
    else this.dirty = true;
  }

  /** Several records in one write. */
  appendMany(payloads: Buffer[]): void {
    const parts: Buffer[] = [];
    for (const payload of payloads) {
      const header = Buffer.allocUnsafe(FRAME_HEADER);
      header.writeUInt32BE(payload.length, 0);
      header.writeUInt32BE(crc32c(payload), 4);
      parts.push(header, payload);
    }
    const data = Buffer.concat(parts);
    writeSync(this.fd, data);
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
