import kafkajs from 'kafkajs';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';
import { lz4Decompress, snappyDecompress, zstdDecompressBuffer } from '../../shared/kafka-compression.js';

/**
 * kafkajs decodes only gzip by itself. Filebeat and other producers may use snappy, lz4 or zstd, so the
 * pure-JavaScript codecs of shared/kafka-compression.ts are registered for those.
 */

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
  CompressionCodecs[CompressionTypes.LZ4] = codec((data) => Buffer.from(lz4.compress(data)), lz4Decompress);
  CompressionCodecs[CompressionTypes.ZSTD] = codec(() => {
    throw new Error('zstd compression is not available (Sluice only decodes zstd); produce with gzip, snappy or lz4');
  }, zstdDecompressBuffer);
}
