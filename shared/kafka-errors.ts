/**
 * What the command line needs to know of Kafka without loading kafkajs (a third of a second of every start):
 * the embedded emulator's address, and whether an error means the brokers could not be reached at all.
 */

/** Where Sluice's embedded Kafka emulator listens in local mode (and `sluice emulate kafka` by default). */
export const LOCAL_KAFKA_BROKER = '127.0.0.1:9092';

/** A kafkajs failure to reach the brokers at all (refused, timed out, name not found), after its retries. */
export function isKafkaUnreachable(error: unknown): boolean {
  for (let cause: unknown = error; typeof cause === 'object' && cause !== null; cause = (cause as { cause?: unknown; originalError?: unknown }).originalError ?? (cause as { cause?: unknown }).cause) {
    const name = (cause as { name?: unknown }).name;
    if (name === 'KafkaJSConnectionError' || name === 'KafkaJSBrokerNotFound') return true;
  }
  return false;
}
