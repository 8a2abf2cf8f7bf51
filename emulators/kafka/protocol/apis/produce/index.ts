import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import { ProtocolError } from '../../primitives.js';
import { InvalidRecordError, parseBatches, UnsupportedCodecError, upconvertMessageSet } from '../../record-batch.js';

interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Buffer | null }> }>;
}

/**
 * Validates every batch as Kafka's LogValidator does, then stores it as received (compressed payloads
 * untouched, so every codec passes through and CRCs stay valid) with the broker's base offset; idempotent
 * producers' retries are recognised by the partition log. With acks=0 nothing is sent back, as Kafka does.
 * v0-2 carry the legacy message format, converted on the way in. They are advertised also because
 * librdkafka compresses with gzip, snappy or lz4 only for a broker that lists Produce v0.
 */
export default defineApi('produce', 'Produce', { min: 0, max: 8 }, (raw, { broker, version }) => {
  const request = raw as unknown as ProduceRequest;
  const validAcks = request.acks === -1 || request.acks === 0 || request.acks === 1;
  let appended = false;
  const responses = request.topicData.map((topicData) => ({
    name: topicData.name,
    partitionResponses: topicData.partitionData.map(({ index, records }) => {
      const topic = broker.topics.get(topicData.name);
      const log = topic?.partitions[index];
      const result = (errorCode: ErrorCode, errorMessage: string | null = null, baseOffset = -1) => ({
        index,
        errorCode,
        baseOffset: BigInt(baseOffset),
        logAppendTimeMs: -1n,
        logStartOffset: BigInt(log?.logStartOffset ?? -1),
        recordErrors: [],
        errorMessage,
      });
      if (!validAcks) return result(ErrorCode.INVALID_REQUIRED_ACKS);
      if (log === undefined) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic-partition.`);
      if (topic?.internal === true) return result(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topicData.name}`);
      if (records === null || records.length === 0) return result(ErrorCode.CORRUPT_MESSAGE, 'The produce request holds no record batch.');
      let batches;
      try {
        batches = version >= 3 ? parseBatches(records) : upconvertMessageSet(records);
      } catch (error) {
        if (error instanceof ProtocolError) return result(ErrorCode.CORRUPT_MESSAGE, error.message);
        if (error instanceof InvalidRecordError) return result(ErrorCode[error.errorCode], error.message);
        if (error instanceof UnsupportedCodecError) return result(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, error.message);
        throw error;
      }
      const limit = Number(topic?.configs['max.message.bytes'] ?? broker.maxMessageBytes);
      const tooLarge = batches.find((batch) => batch.bytes.length > limit);
      if (tooLarge !== undefined) return result(ErrorCode.MESSAGE_TOO_LARGE, `The batch of ${tooLarge.bytes.length} bytes is larger than the maximum of ${limit} bytes.`);
      // A transactional batch only from the current producer of a transaction this partition was added to.
      const transactional = batches.find((batch) => batch.transactional);
      const refused = transactional && broker.transactions.checkProduce(transactional.producerId, transactional.producerEpoch, topicData.name, index);
      if (refused) return result(refused.errorCode, refused.message);
      const appendResult = log.append(batches);
      appended ||= appendResult.errorCode === ErrorCode.NONE;
      return result(appendResult.errorCode, appendResult.errorMessage, appendResult.baseOffset);
    }),
  }));
  if (appended) broker.topics.notifyAppend();
  if (request.acks === 0 && validAcks) return null;
  return { responses, throttleTimeMs: 0 };
});
