import { join } from 'node:path';
import { packageRoot } from '../../../shared/paths.js';
import type { GroupCoordinator } from '../groups.js';
import type { OffsetsTopic } from '../offsets-topic.js';
import type { ProducerIdAllocator } from '../producers.js';
import type { SaslSession } from '../sasl.js';
import type { TopicStore } from '../topics.js';
import type { TransactionCoordinator } from '../transactions.js';
import type { BrokerSettings } from './apis/describe-configs/configs.js';
import { MessageSchema, type Struct } from './schema.js';

/** What a request handler may use of the broker. */
export interface Broker {
  nodeId: number;
  host: string;
  port: number;
  clusterId: string;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  maxMessageBytes: number;
  topics: TopicStore;
  groups: GroupCoordinator;
  /** `__consumer_offsets`, written from the coordinator's commits and groups. */
  offsetsTopic: OffsetsTopic;
  producerIds: ProducerIdAllocator;
  transactions: TransactionCoordinator;
  apis: readonly ApiDefinition[];
  /** The broker's settings, which DescribeConfigs reports under Kafka's names. */
  settings: BrokerSettings;
  /** Resolves when anything is appended, after `ms`, or when the broker closes, whichever is first. */
  waitForAppend(ms: number): Promise<void>;
}

export interface RequestContext {
  broker: Broker;
  version: number;
  clientId: string;
  clientHost: string;
  /** The connection's SASL state (SaslHandshake, SaslAuthenticate). */
  session: SaslSession;
}

/** A handler's answer; null sends nothing back (Produce with acks=0). */
export type Handler = (request: Struct, context: RequestContext) => Struct | null | Promise<Struct | null>;

export interface ApiDefinition {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  request: MessageSchema;
  response: MessageSchema;
  handle: Handler;
}

/**
 * One API of the protocol, in its own folder (as kafkajs lays out its protocol code): Kafka's request and
 * response schemas beside the handler, and the version range this emulator implements and advertises.
 */
export function defineApi(folder: string, name: string, versions: { min: number; max: number }, handle: Handler): ApiDefinition {
  const dir = join(packageRoot, 'emulators', 'kafka', 'protocol', 'apis', folder);
  const request = MessageSchema.load(join(dir, `${name}Request.json`));
  const response = MessageSchema.load(join(dir, `${name}Response.json`));
  if (request.apiKey === undefined) throw new Error(`${name}Request.json has no apiKey`);
  if (versions.min < request.validVersions.min || versions.max > request.validVersions.max) throw new Error(`${name}: versions outside the schema's range`);
  return { key: request.apiKey, name, minVersion: versions.min, maxVersion: versions.max, request, response, handle };
}
