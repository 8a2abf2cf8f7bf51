/** Thrown when a request does not parse; the broker answers CORRUPT_MESSAGE or closes the connection. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** Sequential big-endian reader over one request. Every read checks bounds, so a lying length cannot read past the frame. */
export class Reader {
  offset: number;

  constructor(
    readonly buffer: Buffer,
    start = 0,
    readonly end = buffer.length,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(bytes: number): number {
    if (bytes < 0 || this.offset + bytes > this.end) {
      throw new ProtocolError(`truncated: needed ${bytes} bytes at offset ${this.offset}, ${this.end - this.offset} left`);
    }
    const at = this.offset;
    this.offset += bytes;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.need(1));
  }
  int16(): number {
    return this.buffer.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buffer.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buffer.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buffer.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buffer.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buffer.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buffer.readUInt8(this.need(1));
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new ProtocolError('varint longer than 5 bytes');
  }

  /** Zig-zag varint, as used inside records. */
  varint(): number {
    const raw = this.uvarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** Zig-zag varlong (record timestamps and offsets deltas may exceed 32 bits). */
  varlong(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buffer.readUInt8(this.need(1));
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
    }
    throw new ProtocolError('varlong longer than 10 bytes');
  }

  bytes(length: number): Buffer {
    const at = this.need(length);
    return this.buffer.subarray(at, at + length);
  }

  uuid(): Buffer {
    return Buffer.from(this.bytes(16));
  }
}

/**
 * Growable big-endian writer. Large payloads (record batches) are kept as separate chunks rather than
 * copied, so a Fetch response hands the stored batches to the socket as they are.
 */
export class Writer {
  private chunks: Buffer[] = [];
  private buffer: Buffer;
  private start = 0;
  private pos = 0;
  private flushed = 0;

  constructor(capacity = 256) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.flushed + this.pos - this.start;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    this.flushScratch();
    this.buffer = Buffer.allocUnsafe(Math.max(bytes, this.buffer.length * 2));
    this.start = 0;
    this.pos = 0;
  }

  private flushScratch(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buffer.subarray(this.start, this.pos));
      this.flushed += this.pos - this.start;
      this.start = this.pos;
    }
  }

  int8(value: number): this {
    this.ensure(1);
    this.pos = this.buffer.writeInt8(value, this.pos);
    return this;
  }
  int16(value: number): this {
    this.ensure(2);
    this.pos = this.buffer.writeInt16BE(value, this.pos);
    return this;
  }
  uint16(value: number): this {
    this.ensure(2);
    this.pos = this.buffer.writeUInt16BE(value, this.pos);
    return this;
  }
  int32(value: number): this {
    this.ensure(4);
    this.pos = this.buffer.writeInt32BE(value, this.pos);
    return this;
  }
  uint32(value: number): this {
    this.ensure(4);
    this.pos = this.buffer.writeUInt32BE(value >>> 0, this.pos);
    return this;
  }
  int64(value: bigint): this {
    this.ensure(8);
    this.pos = this.buffer.writeBigInt64BE(value, this.pos);
    return this;
  }
  float64(value: number): this {
    this.ensure(8);
    this.pos = this.buffer.writeDoubleBE(value, this.pos);
    return this;
  }
  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  uvarint(value: number): this {
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.pos++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.buffer[this.pos++] = rest;
    return this;
  }

  varint(value: number): this {
    return this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  bytes(data: Uint8Array): this {
    if (data.length >= 1024) {
      this.flushScratch();
      this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.length));
      this.flushed += data.length;
      return this;
    }
    this.ensure(data.length);
    this.buffer.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  /** All that was written, as chunks (no copy of large payloads). */
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.toChunks(), this.length);
  }
}
