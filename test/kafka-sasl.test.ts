import { Admin } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { ErrorCode } from '../emulators/kafka/protocol/errors.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { ingestEnvironment, produce, startWorker, TOPICS, waitForDocuments } from './support/ingest.js';
import { RawKafkaClient, startKafka } from './support/kafka.js';
import { freePort, waitForPort } from '../bench/process.js';
import { run, runSluice, spawnSluice } from './support/process.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

// A SASL_PLAINTEXT listener (`sluice emulate kafka --sasl-user name:password`), as production Kafka is set up
// for Sluice's KAFKA_SASL_MECHANISM: PLAIN and SCRAM (RFC 5802 and 7677, as Kafka's ScramSaslServer runs it).

const USER = 'sluice';
const PASSWORD = 'ingest-s3cret';
let emulator: KafkaEmulator;

beforeAll(async () => {
  emulator = await startKafka({ saslUsers: { [USER]: PASSWORD, reader: 'r3ad' } });
});

afterAll(async () => {
  await emulator.close();
});

function kcat(mechanism: string, user: string, password: string, args: string[], input?: string) {
  return run('kcat', ['-b', emulator.brokers, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`, ...args], { input, timeoutMs: 20_000 });
}

describe('SASL: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512', () => {
  it('librdkafka (kcat) authenticates with each mechanism, and is refused with Kafka’s message for a wrong password', async () => {
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      const produced = await kcat(mechanism, USER, PASSWORD, ['-P', '-t', 'sasl-kcat'], `by ${mechanism}\n`);
      expect(produced.code, produced.stderr).toBe(0);
    }
    const consumed = await kcat('SCRAM-SHA-512', 'reader', 'r3ad', ['-C', '-t', 'sasl-kcat', '-e', '-q', '-f', '%s\n']);
    expect(consumed.stdout.split('\n').filter(Boolean).sort()).toEqual(['by PLAIN', 'by SCRAM-SHA-256', 'by SCRAM-SHA-512']);

    const wrongScram = await kcat('SCRAM-SHA-256', USER, 'guess', ['-L', '-m', '3']);
    expect(wrongScram.code).not.toBe(0);
    expect(wrongScram.stderr).toContain('Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256');
    const wrongPlain = await kcat('PLAIN', 'nobody', PASSWORD, ['-L', '-m', '3']);
    expect(wrongPlain.stderr).toContain('Authentication failed: Invalid username or password');
  });

  it('sluice ingest (kafkajs) consumes with KAFKA_SASL_MECHANISM=scram-sha-512; a wrong password stops it with the broker’s reason', async () => {
    const elasticsearch = await startElasticsearch();
    try {
      const sasl = { mechanism: 'scram-sha-512' as const, username: USER, password: PASSWORD };
      const kafka = new Kafka({ brokers: [emulator.brokers], sasl, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: TOPICS.map((topic) => ({ topic, numPartitions: 2 })) });
      await admin.disconnect();
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await produce(producer, 0, 200);
      await producer.disconnect();

      const env = await ingestEnvironment(emulator.brokers, elasticsearch.emulator.url, { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: PASSWORD });
      const worker = await startWorker(env);
      try {
        await waitForDocuments(elasticsearch.es, 200, 30_000);
      } finally {
        await worker.close();
      }
      const refused = startWorker({ ...env, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'guess', KAFKA_GROUP_ID: 'sluice-refused' });
      await expect(refused).rejects.toThrow(/Authentication failed: Invalid username or password/);
    } finally {
      await elasticsearch.stop();
    }
  }, 60_000);

  it('@platformatic/kafka authenticates with SCRAM-SHA-256 and PLAIN', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'PLAIN'] as const) {
      const admin = new Admin({ clientId: 'sasl-admin', bootstrapBrokers: [emulator.brokers], sasl: { mechanism, username: 'reader', password: 'r3ad' } });
      expect(await admin.listTopics()).toContain('sasl-kcat');
      await admin.close();
    }
  });

  it('answers nothing but ApiVersions and the SASL exchange before authentication, and closes the connection after a failure', async () => {
    const before = await RawKafkaClient.connect(emulator.port);
    expect((await before.request('ApiVersions', 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })).errorCode).toBe(ErrorCode.NONE);
    before.socket.write(before.encode('Metadata', 4, { topics: null, allowAutoTopicCreation: false }));
    await before.closed;

    const unknown = await RawKafkaClient.connect(emulator.port);
    expect(await unknown.request('SaslHandshake', 1, { mechanism: 'GSSAPI' })).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    await unknown.closed;

    const early = await RawKafkaClient.connect(emulator.port);
    expect((await early.request('SaslAuthenticate', 2, { authBytes: Buffer.from(`\0${USER}\0${PASSWORD}`) })).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    await early.closed;

    const plain = await RawKafkaClient.connect(emulator.port);
    expect((await plain.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
    expect(await plain.request('SaslAuthenticate', 2, { authBytes: Buffer.from(`\0${USER}\0${PASSWORD}`) })).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, sessionLifetimeMs: 0n });
    expect((await plain.request('Metadata', 4, { topics: null, allowAutoTopicCreation: false })).topics).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'sasl-kcat' })]));
    // Once authenticated, another handshake reaches the request handlers, which answer ILLEGAL_SASL_STATE.
    expect((await plain.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    plain.close();

    const wrong = await RawKafkaClient.connect(emulator.port);
    await wrong.request('SaslHandshake', 1, { mechanism: 'PLAIN' });
    expect(await wrong.request('SaslAuthenticate', 1, { authBytes: Buffer.from(`${USER}\0${USER}\0guess`) })).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password' });
    await wrong.closed;
  });

  it('after SaslHandshake v0, reads the SASL tokens as bare frames, as clients before SaslAuthenticate sent them', async () => {
    const legacy = await RawKafkaClient.connect(emulator.port);
    expect((await legacy.request('SaslHandshake', 0, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
    const token = Buffer.from(`\0reader\0r3ad`);
    const frame = Buffer.alloc(4 + token.length);
    frame.writeInt32BE(token.length);
    token.copy(frame, 4);
    legacy.socket.write(frame);
    // PLAIN's answer is an empty token: a bare frame of length 0.
    expect((await legacy.nextFrame()).length).toBe(0);
    expect((await legacy.request('Metadata', 4, { topics: [{ name: 'sasl-kcat' }], allowAutoTopicCreation: false })).topics).toMatchObject([{ name: 'sasl-kcat', errorCode: ErrorCode.NONE }]);
    legacy.close();
  });

  it('on a plaintext listener a SaslHandshake is ILLEGAL_SASL_STATE and everything else is served', async () => {
    const plaintext = await startKafka();
    try {
      const raw = await RawKafkaClient.connect(plaintext.port);
      expect((await raw.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
      expect((await raw.request('Metadata', 4, { topics: null, allowAutoTopicCreation: false })).errorCode).toBeUndefined();
      raw.close();
    } finally {
      await plaintext.close();
    }
  });

  it('sluice emulate kafka --sasl-user name:password serves a SASL listener; a user without a password is refused at start', async () => {
    const port = await freePort();
    const child = spawnSluice(['emulate', 'kafka', '--port', String(port), '--sasl-user', 'cli:pw', '--sasl-user', 'other:pw2'], { LOG_LEVEL: 'info' });
    try {
      await waitForPort(port);
      const listed = await run('kcat', ['-b', `127.0.0.1:${port}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=other', '-X', 'sasl.password=pw2', '-L', '-m', '5'], { timeoutMs: 20_000 });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain('1 brokers');
      expect(child.output()).toContain('"securityProtocol":"SASL_PLAINTEXT"');
    } finally {
      child.kill('SIGTERM');
    }
    const bad = await runSluice(['emulate', 'kafka', '--sasl-user', 'nopassword']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected name:password');
  });
});
