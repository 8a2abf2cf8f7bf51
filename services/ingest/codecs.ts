import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';

/**
 * kafkajs decodes only gzip by itself. Filebeat and other producers may use snappy, lz4 or zstd, so
 * pure-JavaScript codecs are registered for those: native bindings (snappy, lz4, zstd addons) need
 * prebuilt binaries from outside the npm registry, which a locked-down build machine cannot fetch.
 */

/** snappy-java's stream framing, which the Java producer writes: magic, version, compatible version, then sized blocks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export function snappyDecompress(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return Buffer.from(snappy.uncompress(data));
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at + 4 <= data.length) {
    const size = data.readInt32BE(at);
    at += 4;
    blocks.push(Buffer.from(snappy.uncompress(data.subarray(at, at + size))));
    at += size;
  }
  return Buffer.concat(blocks);
}

interface Encoder {
  buffer: Buffer;
}

function codec(compress: (data: Buffer) => Buffer, decompress: (data: Buffer) => Buffer) {
  return () => ({
    compress: async (encoder: Encoder) => compress(encoder.buffer),
    decompress: async (data: Buffer) => decompress(data),
  });
}

// kafkajs is CommonJS; CompressionCodecs is not among the names Node can import from it directly.
const { CompressionCodecs, CompressionTypes } = kafkajs;

let registered = false;

/** Registers the snappy, lz4 and zstd codecs with kafkajs (once per process). */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = codec((data) => Buffer.from(snappy.compress(data)), snappyDecompress);
  // Kafka's lz4 is the LZ4 frame format (KIP-57), which lz4js reads and writes.
  CompressionCodecs[CompressionTypes.LZ4] = codec((data) => Buffer.from(lz4.compress(data)), (data) => Buffer.from(lz4.decompress(data)));
  CompressionCodecs[CompressionTypes.ZSTD] = codec(() => {
    throw new Error('zstd compression is not available (Sluice only decodes zstd); produce with gzip, snappy or lz4');
  }, (data) => Buffer.from(zstdDecompress(data)));
}
