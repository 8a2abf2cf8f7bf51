import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';

/**
 * Decompression of Kafka's record-batch codecs in pure JavaScript, shared by the ingest worker (registered
 * with kafkajs) and the Kafka emulator (which opens every batch to validate it, as a broker does).
 * Native bindings need prebuilt binaries from outside the npm registry, which a locked-down machine cannot fetch.
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
    if (size < 0 || at + size > data.length) throw new Error(`snappy-java block of ${size} bytes at ${at} overruns the ${data.length}-byte payload`);
    blocks.push(Buffer.from(snappy.uncompress(data.subarray(at, at + size))));
    at += size;
  }
  if (at !== data.length) throw new Error('snappy-java stream ends inside a block header');
  return Buffer.concat(blocks);
}

/** Kafka's lz4 is the LZ4 frame format (KIP-57), which lz4js reads. */
export function lz4Decompress(data: Buffer): Buffer {
  return Buffer.from(lz4.decompress(data));
}

export function zstdDecompressBuffer(data: Buffer): Buffer {
  return Buffer.from(zstdDecompress(data));
}

/** The payload of a batch compressed with Kafka codec `codec` (the attributes' low 3 bits); throws when it does not decompress. */
export function decompressPayload(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case 0:
      return data;
    case 1:
      return gunzipSync(data);
    case 2:
      return snappyDecompress(data);
    case 3:
      return lz4Decompress(data);
    case 4:
      return zstdDecompressBuffer(data);
    default:
      throw new Error(`unknown compression codec ${codec}`);
  }
}
