import kafkajs from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { sendToTopics, type TopicMessage } from '../shared/kafka.js';
import { startKafka } from './support/kafka.js';

const { Kafka, logLevel } = kafkajs;

let emulator: KafkaEmulator;
let kafka: InstanceType<typeof Kafka>;

beforeAll(async () => {
  emulator = await startKafka();
  kafka = new Kafka({ clientId: 'sluice-send-test', brokers: [emulator.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: ['send-a', 'send-b', 'send-c'].map((topic) => ({ topic, numPartitions: 1 })) });
  await admin.disconnect();
});

afterAll(async () => {
  await emulator.close();
});

/** Every value of a single-partition topic, in offset order. */
async function valuesOf(topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `read-${topic}`, maxWaitTimeInMs: 50 });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
        if (values.length >= count) resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  return values;
}

it('sends interleaved messages for several topics, each topic in the order given, strings and buffers alike', async () => {
  const producer = kafka.producer();
  await producer.connect();
  const topics = ['send-a', 'send-b', 'send-c'];
  // Unevenly interleaved, as a mixed log stream is: the grouping must neither drop nor reorder.
  const messages: TopicMessage[] = Array.from({ length: 3000 }, (_, i) => {
    const topic = topics[i % 7 < 4 ? 0 : i % 7 < 6 ? 1 : 2] as string;
    return { topic, value: i % 2 === 0 ? `${topic}-${i}` : Buffer.from(`${topic}-${i}`) };
  });
  await sendToTopics(producer, messages.slice(0, 1200));
  await sendToTopics(producer, messages.slice(1200), -1);
  await producer.disconnect();
  for (const topic of topics) {
    const expected = messages.filter((message) => message.topic === topic).map((message) => message.value.toString());
    expect(await valuesOf(topic, expected.length)).toEqual(expected);
  }
});

it('sends nothing for no messages (a disconnected producer is not even asked)', async () => {
  const producer = kafka.producer();
  await expect(sendToTopics(producer, [])).resolves.toBeUndefined();
  await expect(sendToTopics(producer, [{ topic: 'send-a', value: 'x' }])).rejects.toThrow();
});
