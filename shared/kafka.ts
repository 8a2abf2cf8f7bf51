import kafkajs, { type Kafka, type LogEntry } from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logging.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

/** Where Sluice's embedded Kafka emulator listens in local mode (and `sluice emulate kafka` by default). */
export const LOCAL_KAFKA_BROKER = '127.0.0.1:9092';

/** kafkajs's log lines through Sluice's logger: its errors and warnings as such, its chatter at debug. */
function kafkaLogger(logger: Logger) {
  const log = logger.child({ component: 'kafkajs' });
  return () => ({ level, log: entry }: LogEntry) => {
    const { message, ...rest } = entry;
    if (level === logLevel.ERROR) log.error(rest, message);
    else if (level === logLevel.WARN) log.warn(rest, message);
    else if (level === logLevel.INFO) log.debug(rest, message);
  };
}

/** The kafkajs client for the configured brokers (the embedded emulator's address when none are). */
export function kafkaClient(config: Config, logger: Logger, clientId: string): Kafka {
  return new KafkaClient({ clientId, brokers: config.kafka.brokers ?? [LOCAL_KAFKA_BROKER], logCreator: kafkaLogger(logger), retry: { initialRetryTime: 300, retries: 8 } });
}
