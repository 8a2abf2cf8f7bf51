import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { GroupCoordinator } from './groups.js';
import { ProducerIdAllocator } from './producers.js';
import { SaslSession, SaslUsers } from './sasl.js';
import type { ApiDefinition, Broker } from './protocol/api.js';
import { APIS } from './protocol/apis/index.js';
import type { BrokerSettings } from './protocol/apis/describe-configs/configs.js';
import { ErrorCode } from './protocol/errors.js';
import { ProtocolError, Reader, Writer } from './protocol/primitives.js';
import type { Struct } from './protocol/schema.js';
import { listen } from '../common/listen.js';
import type { FsyncPolicy } from '../common/record-file.js';
import { TopicStore } from './topics.js';
import { OffsetsTopic } from './offsets-topic.js';
import { TransactionCoordinator } from './transactions.js';

export interface KafkaEmulatorOptions {
  /** TCP port; 0 picks a free one (see `port` after start). Default 9092. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Host name clients are told to connect to (Metadata, FindCoordinator). Default: `host`. */
  advertisedHost?: string;
  /** Keep batches and committed offsets here; without it everything is in memory. */
  dataDir?: string | undefined;
  /** When appended data is forced to disk. Default `interval` (every `fsyncIntervalMs`). */
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
  /** Partitions of an automatically created topic. Default 3. */
  defaultPartitions?: number;
  autoCreateTopics?: boolean;
  /** Largest record batch accepted (Kafka's message.max.bytes). Default 1 MiB. */
  maxMessageBytes?: number;
  /** Largest request frame; a larger length closes the connection (socket.request.max.bytes). Default 100 MiB. */
  maxRequestBytes?: number;
  /** Bytes kept per partition before the oldest segments are dropped. Default 128 MiB. */
  retentionBytes?: number;
  /** How often topics with retention.ms drop their expired segments (log.retention.check.interval.ms). Default 30 s. */
  retentionCheckIntervalMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  /** How long the first rebalance of an empty group waits for more members. Default 0 (Kafka: 3000). */
  initialRebalanceDelayMs?: number;
  /** Partitions of all topics together. Default 100 000. */
  maxPartitions?: number;
  /** Consumer groups. Default 10 000. */
  maxGroups?: number;
  /** Members per group (Kafka's group.max.size). Default 1 000. */
  maxGroupSize?: number;
  /**
   * Users and their passwords: the listener is then SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), and a
   * connection may ask nothing but ApiVersions and the SASL exchange until it has authenticated. Default: none, PLAINTEXT.
   */
  saslUsers?: Record<string, string>;
  logger?: Logger;
}

const NODE_ID = 1;
const API_VERSIONS_KEY = 18;

function clusterIdFor(dataDir: string | undefined): string {
  const fresh = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
  if (dataDir === undefined) return fresh;
  const path = join(dataDir, 'cluster.json');
  if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { clusterId: string }).clusterId;
  writeFileSync(path, JSON.stringify({ clusterId: fresh }));
  return fresh;
}

/**
 * A single-node broker that speaks Kafka's binary protocol over TCP. Each connection's requests are
 * handled one at a time in arrival order, as a Kafka broker does, so pipelined requests are answered
 * in order; a long-polling Fetch holds back only its own connection.
 */
export class KafkaEmulator implements Broker {
  readonly nodeId = NODE_ID;
  readonly clusterId: string;
  readonly host: string;
  port: number;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly maxMessageBytes: number;
  readonly topics: TopicStore;
  readonly groups: GroupCoordinator;
  readonly offsetsTopic: OffsetsTopic;
  readonly producerIds: ProducerIdAllocator;
  readonly transactions: TransactionCoordinator;
  readonly apis: readonly ApiDefinition[] = APIS;
  readonly settings: BrokerSettings;
  private readonly apisByKey = new Map(APIS.map((api) => [api.key, api]));
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly closeListeners = new Set<() => void>();
  private readonly fsyncTimer: NodeJS.Timeout | undefined;
  private readonly retentionTimer: NodeJS.Timeout;
  private readonly maxRequestBytes: number;
  private readonly log: Logger;
  private readonly saslUsers: SaslUsers | undefined;
  private closed = false;

  private constructor(options: KafkaEmulatorOptions) {
    this.log = options.logger ?? pino({ level: 'silent' });
    this.host = options.advertisedHost ?? options.host ?? '127.0.0.1';
    this.port = options.port ?? 9092;
    this.autoCreateTopics = options.autoCreateTopics ?? true;
    this.defaultPartitions = options.defaultPartitions ?? 3;
    this.maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024;
    this.maxRequestBytes = options.maxRequestBytes ?? 100 * 1024 * 1024;
    const fsync = options.fsync ?? 'interval';
    if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
    this.clusterId = clusterIdFor(options.dataDir);
    this.saslUsers = options.saslUsers === undefined ? undefined : new SaslUsers(new Map(Object.entries(options.saslUsers)));
    const onRecovery = (path: string, truncatedBytes: number): void => {
      this.log.warn({ path, truncatedBytes }, 'cut a torn or corrupt tail off a data file');
    };
    this.topics = new TopicStore({
      dataDir: options.dataDir,
      fsync,
      defaultPartitions: this.defaultPartitions,
      retentionBytes: options.retentionBytes ?? 128 * 1024 * 1024,
      maxPartitions: options.maxPartitions ?? 100_000,
      onRecovery,
    });
    this.offsetsTopic = new OffsetsTopic(this.topics);
    this.producerIds = new ProducerIdAllocator(options.dataDir);
    this.groups = new GroupCoordinator({
      dataDir: options.dataDir,
      fsync,
      minSessionTimeoutMs: options.minSessionTimeoutMs ?? 6000,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 1_800_000,
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0,
      maxGroups: options.maxGroups ?? 10_000,
      maxGroupSize: options.maxGroupSize ?? 1000,
      onRecovery,
      onMemberRemoved: (group, member, reason) => this.log.debug({ group, member, reason }, 'member removed from group'),
      journal: this.offsetsTopic,
    });
    this.transactions = new TransactionCoordinator({
      dataDir: options.dataDir,
      topics: this.topics,
      groups: this.groups,
      producerIds: this.producerIds,
      onExpired: (transactionalId) => this.log.info({ transactionalId }, 'transaction aborted: it outlived its timeout'),
    });
    if (options.dataDir !== undefined && fsync === 'interval') {
      this.fsyncTimer = setInterval(() => this.flush(), options.fsyncIntervalMs ?? 1000);
      this.fsyncTimer.unref();
    }
    this.retentionTimer = setInterval(() => this.topics.expire(), options.retentionCheckIntervalMs ?? 30_000);
    this.retentionTimer.unref();
    this.settings = {
      nodeId: NODE_ID,
      defaultPartitions: this.defaultPartitions,
      autoCreateTopics: this.autoCreateTopics,
      maxMessageBytes: this.maxMessageBytes,
      retentionBytes: this.topics.retentionOf({}),
      retentionCheckIntervalMs: options.retentionCheckIntervalMs ?? 30_000,
      maxRequestBytes: this.maxRequestBytes,
      minSessionTimeoutMs: options.minSessionTimeoutMs ?? 6000,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 1_800_000,
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0,
      maxGroupSize: options.maxGroupSize ?? 1000,
    };
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(options: KafkaEmulatorOptions = {}): Promise<KafkaEmulator> {
    const emulator = new KafkaEmulator(options);
    emulator.port = await listen(emulator.server, emulator.port, options.host ?? '127.0.0.1');
    emulator.log.info({ host: emulator.host, port: emulator.port, dataDir: options.dataDir ?? null, securityProtocol: emulator.saslUsers === undefined ? 'PLAINTEXT' : 'SASL_PLAINTEXT' }, 'kafka emulator listening');
    return emulator;
  }

  /** The bootstrap address for clients, `host:port`. */
  get brokers(): string {
    return `${this.host}:${this.port}`;
  }

  waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        unsubscribe();
        clearTimeout(timer);
        this.closeListeners.delete(done);
        resolve();
      };
      const unsubscribe = this.topics.onAppend(done);
      const timer = setTimeout(done, ms);
      this.closeListeners.add(done);
    });
  }

  private flush(): void {
    this.topics.sync();
    this.groups.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.fsyncTimer);
    clearInterval(this.retentionTimer);
    for (const listener of [...this.closeListeners]) listener();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Responses already written still reach their clients; a peer that does not close is cut off after a second.
    const ended = [...this.sockets].map((socket) => new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    }));
    await Promise.all([closing, ...ended]);
    this.transactions.close();
    this.groups.close();
    this.topics.close();
  }

  // ---- connections -----------------------------------------------------------------------------

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const clientHost = `/${socket.remoteAddress ?? 'unknown'}`;
    const session = new SaslSession(this.saslUsers);
    const chunks: Buffer[] = [];
    let buffered = 0;
    const queue: Buffer[] = [];
    let working = false;

    const fail = (reason: string, error?: unknown): void => {
      this.log.warn({ client: clientHost, reason, err: error }, 'closing connection');
      queue.length = 0;
      socket.destroy();
    };

    const work = async (): Promise<void> => {
      working = true;
      while (queue.length > 0 && !socket.destroyed) {
        const frame = queue.shift() as Buffer;
        if (session.rawTokens) {
          this.rawToken(socket, session, frame);
          continue;
        }
        try {
          const response = await this.handle(frame, clientHost, session);
          if (response === 'close') fail(session.allows(frame.readInt16BE(0)) ? 'request for an unknown API or version' : 'request before SASL authentication');
          else if (response !== null && socket.writable) {
            socket.cork();
            for (const chunk of response) socket.write(chunk);
            socket.uncork();
          }
          // A failed SASL exchange is answered, then the connection closed, as Kafka closes it.
          if (session.closing) {
            queue.length = 0;
            socket.end();
          }
        } catch (error) {
          fail(error instanceof ProtocolError || error instanceof RangeError ? 'malformed request' : 'request failed', error);
        }
        if (socket.isPaused() && queue.length < 16) socket.resume();
      }
      working = false;
    };

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      for (;;) {
        if (buffered < 4) break;
        if ((chunks[0] as Buffer).length < 4) chunks.splice(0, chunks.length, Buffer.concat(chunks, buffered));
        const size = (chunks[0] as Buffer).readInt32BE(0);
        // A request has at least its header's 8 bytes; a bare SASL token (after SaslHandshake v0) may be shorter.
        const least = session.rawTokens ? 0 : 8;
        if (size < least || size > this.maxRequestBytes) {
          fail(`frame length ${size} outside ${least}..${this.maxRequestBytes}`);
          return;
        }
        if (buffered < 4 + size) break;
        const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, buffered);
        queue.push(all.subarray(4, 4 + size));
        const rest = all.subarray(4 + size);
        chunks.length = 0;
        buffered = rest.length;
        if (rest.length > 0) chunks.push(rest);
      }
      // A client that pipelines faster than it is served is slowed by TCP, not by memory.
      if (queue.length >= 64) socket.pause();
      if (!working && queue.length > 0) void work();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      queue.length = 0;
      this.sockets.delete(socket);
    });
  }

  /** A SASL token after SaslHandshake v0: answered with the next as a bare size-prefixed frame; a failure closes the connection. */
  private rawToken(socket: Socket, session: SaslSession, token: Buffer): void {
    const step = session.authenticate(token);
    if (step.errorCode !== ErrorCode.NONE) {
      this.log.warn({ reason: step.errorMessage }, 'closing connection: SASL authentication failed');
      socket.destroy();
      return;
    }
    const size = Buffer.alloc(4);
    size.writeInt32BE(step.authBytes.length);
    socket.write(Buffer.concat([size, step.authBytes]));
  }

  /** Decodes one request, runs its handler and encodes the response frame; 'close' when Kafka would drop the connection. */
  private async handle(frame: Buffer, clientHost: string, session: SaslSession): Promise<Buffer[] | null | 'close'> {
    const reader = new Reader(frame);
    const apiKey = reader.int16();
    const version = reader.int16();
    const correlationId = reader.int32();
    const api = this.apisByKey.get(apiKey);
    if (api === undefined || !session.allows(apiKey)) return 'close';

    if (version < api.minVersion || version > api.maxVersion) {
      // Newer ApiVersions requests get the v0 answer with the error, so the client retries with a version we know.
      if (apiKey === API_VERSIONS_KEY) {
        const body = (await api.handle({}, { broker: this, version: 0, clientId: '', clientHost, session })) ?? {};
        return this.frame(api, 0, correlationId, { ...body, errorCode: ErrorCode.UNSUPPORTED_VERSION }, false);
      }
      if (version <= api.response.validVersions.max && api.response.has('errorCode', version)) {
        return this.frame(api, version, correlationId, { errorCode: ErrorCode.UNSUPPORTED_VERSION }, api.response.isFlexible(version));
      }
      return 'close';
    }

    const flexible = api.request.isFlexible(version);
    const clientIdLength = reader.int16();
    const clientId = clientIdLength < 0 ? '' : reader.bytes(clientIdLength).toString('utf8');
    if (flexible) {
      // Request header v2 ends with tagged fields; none is used here.
      for (let count = reader.uvarint(); count > 0; count -= 1) {
        reader.uvarint();
        reader.bytes(reader.uvarint());
      }
    }
    const request = api.request.decode(reader, version);
    const response = await api.handle(request, { broker: this, version, clientId, clientHost, session });
    if (response === null) return null;
    // ApiVersions answers with response header v0 whatever its version, so any client can read it.
    return this.frame(api, version, correlationId, response, flexible && apiKey !== API_VERSIONS_KEY);
  }

  private frame(api: ApiDefinition, version: number, correlationId: number, body: Struct, flexibleHeader: boolean): Buffer[] {
    const writer = new Writer(512);
    writer.int32(0).int32(correlationId);
    if (flexibleHeader) writer.uvarint(0);
    api.response.encode(writer, body, version);
    const chunks = writer.toChunks();
    (chunks[0] as Buffer).writeInt32BE(writer.length - 4, 0);
    return chunks;
  }
}
