import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APIS } from '../emulators/kafka/protocol/apis/index.js';
import { crc32c } from '../emulators/common/crc32c.js';
import { Reader, Writer } from '../emulators/kafka/protocol/primitives.js';
import { parseBatches, recordTimestamps, withBaseOffset } from '../emulators/kafka/protocol/record-batch.js';
import type { Struct } from '../emulators/kafka/protocol/schema.js';
import { packageRoot } from '../shared/paths.js';

const FIXTURES = join(packageRoot, 'test', 'fixtures', 'kafkajs');

function fixture(api: string, file: string): Buffer {
  return Buffer.from((JSON.parse(readFileSync(join(FIXTURES, api, file), 'utf8')) as { data: number[] }).data);
}

/** kafkajs folder name → the emulator's API name. */
const FOLDERS: Record<string, string> = {
  apiVersions: 'ApiVersions',
  metadata: 'Metadata',
  createTopics: 'CreateTopics',
  deleteTopics: 'DeleteTopics',
  produce: 'Produce',
  fetch: 'Fetch',
  listOffsets: 'ListOffsets',
  findCoordinator: 'FindCoordinator',
  joinGroup: 'JoinGroup',
  syncGroup: 'SyncGroup',
  heartbeat: 'Heartbeat',
  leaveGroup: 'LeaveGroup',
  offsetCommit: 'OffsetCommit',
  offsetFetch: 'OffsetFetch',
  describeGroups: 'DescribeGroups',
  initProducerId: 'InitProducerId',
  describeConfigs: 'DescribeConfigs',
  createPartitions: 'CreatePartitions',
  alterConfigs: 'AlterConfigs',
  deleteRecords: 'DeleteRecords',
  addPartitionsToTxn: 'AddPartitionsToTxn',
  addOffsetsToTxn: 'AddOffsetsToTxn',
  endTxn: 'EndTxn',
  txnOffsetCommit: 'TxnOffsetCommit',
  saslAuthenticate: 'SaslAuthenticate',
};

const cases = Object.entries(FOLDERS).flatMap(([folder, name]) =>
  readdirSync(join(FIXTURES, folder))
    // Variants (`v0_request_topic_config.json`) too, but for a broken one kafkajs keeps to test its leniency.
    .filter((file) => !file.includes('_missing_'))
    .map((file) => /^v(\d+)_(request|response)(?:_\w+)?\.json$/.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ folder, name, file: match[0], version: Number(match[1]), kind: match[2] as 'request' | 'response' })),
);

describe('protocol codec against bytes captured from a real Kafka broker', () => {
  it('covers every API the emulator implements but those kafkajs has no fixture for', () => {
    const withoutFixture = ['ListGroups', 'DeleteGroups', 'IncrementalAlterConfigs', 'DescribeLogDirs', 'DescribeProducers', 'DescribeTransactions', 'ListTransactions', 'OffsetDelete', 'SaslHandshake'];
    expect(new Set(cases.map((entry) => entry.name))).toEqual(new Set(APIS.map((api) => api.name).filter((name) => !withoutFixture.includes(name))));
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases)('$name v$version $kind: decode, then encode gives the same bytes', ({ folder, name, file, version, kind }) => {
    const api = APIS.find((candidate) => candidate.name === name);
    const schema = kind === 'request' ? api?.request : api?.response;
    if (schema === undefined) throw new Error(`no schema for ${name}`);
    const bytes = fixture(folder, file);
    const reader = new Reader(bytes);
    const decoded = schema.decode(reader, version);
    expect(reader.remaining, 'bytes left after decoding').toBe(0);
    const writer = new Writer();
    schema.encode(writer, decoded, version);
    expect(writer.toBuffer().equals(bytes)).toBe(true);
  });

  it('decodes field values as Kafka defines them (JoinGroup v5 response)', () => {
    const api = APIS.find((candidate) => candidate.name === 'JoinGroup');
    const decoded = api?.response.decode(new Reader(fixture('joinGroup', 'v5_response.json')), 5) as Struct;
    expect(decoded).toMatchObject({ throttleTimeMs: 0, errorCode: 0, protocolName: 'AssignerName' });
    expect(typeof decoded.generationId).toBe('number');
    expect(decoded.memberId).toBe(decoded.leader);
  });
});

describe('record batches', () => {
  const produce = APIS.find((api) => api.name === 'Produce');
  const request = produce?.request.decode(new Reader(fixture('produce', 'v3_request.json')), 3) as {
    topicData: Array<{ partitionData: Array<{ records: Buffer }> }>;
  };
  const records = request.topicData[0]?.partitionData[0]?.records as Buffer;

  it('accepts the batch a real client produced: lengths, magic 2 and CRC-32C check out', () => {
    const [batch, ...rest] = parseBatches(records);
    expect(rest).toEqual([]);
    expect(batch?.recordCount).toBeGreaterThan(0);
    expect(batch?.lastOffsetDelta).toBe((batch?.recordCount ?? 0) - 1);
    expect(recordTimestamps(batch?.bytes as Buffer)).toHaveLength(batch?.recordCount ?? -1);
  });

  it('rejects a flipped bit, a truncated batch and an old message format', () => {
    const flipped = Buffer.from(records);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(() => parseBatches(flipped)).toThrow(/CRC mismatch/);
    expect(() => parseBatches(records.subarray(0, records.length - 1))).toThrow(/claims \d+ bytes/);
    const magic1 = Buffer.from(records);
    magic1[16] = 1;
    expect(() => parseBatches(magic1)).toThrow(/magic 1/);
  });

  it('rewrites the base offset without invalidating the CRC', () => {
    const moved = withBaseOffset(records, 123456);
    expect(moved.readBigInt64BE(0)).toBe(123456n);
    expect(() => parseBatches(moved)).not.toThrow();
  });

  it('computes CRC-32C (check value of "123456789" is 0xE3069283)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('continues a CRC-32C over parts: the checksum of a record written as pieces is that of its bytes', () => {
    const whole = Buffer.from('{"t":"doc","source":{"city":"São Paulo"}}');
    for (const cut of [0, 1, 7, 8, 9, 23, whole.length]) {
      const head = whole.subarray(0, cut);
      const rest = whole.subarray(cut);
      expect(crc32c(rest, 0, rest.length, crc32c(head))).toBe(crc32c(whole));
    }
  });
});

describe('primitives', () => {
  it.each([0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31 - 1, 2 ** 32 - 1])('unsigned varint %i round-trips', (value) => {
    const reader = new Reader(new Writer().uvarint(value).toBuffer());
    expect(reader.uvarint()).toBe(value);
    expect(reader.remaining).toBe(0);
  });

  it.each([0, -1, 1, -64, 64, -(2 ** 31), 2 ** 31 - 1])('zig-zag varint %i round-trips', (value) => {
    expect(new Reader(new Writer().varint(value).toBuffer()).varint()).toBe(value);
  });

  it('refuses to read past the end, however large a length claims to be', () => {
    expect(() => new Reader(Buffer.from([0, 0, 0, 9, 1])).bytes(new Reader(Buffer.from([0, 0, 0, 9])).int32())).toThrow(/truncated/);
  });
});
