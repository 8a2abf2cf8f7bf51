import { pick, type Random } from './random.js';
import type { Client } from './population.js';

/**
 * The log lines of the seed's platform, in the formats its components write: Traefik's JSON access log
 * (accessLog.format=json, field names and types as Traefik's logdata.go has them), the API's and the
 * workers' JSON lines (the seed's "Log Structure"), PostgreSQL's stderr log with
 * `log_line_prefix = '%m [%p] %q%u@%d '`.
 */

/** The topics of the contract the demo writes to, one per source. */
export const DEMO_TOPICS = ['logs-traefik', 'logs-app', 'logs-worker', 'logs-postgres'] as const;

export interface Line {
  at: number;
  topic: (typeof DEMO_TOPICS)[number];
  host: string;
  text: string;
  /** Sent as it is, without Filebeat's envelope (a producer's broken write). */
  raw?: boolean;
}

export interface Request {
  at: number;
  client: Client;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  sent: number;
  received: number;
}

const HOSTS = { traefik: ['edge-1', 'edge-2'], api: ['api-1', 'api-2', 'api-3'], worker: ['worker-1', 'worker-2', 'worker-3', 'worker-4'], postgres: ['db-1'] };

export const hex = (random: Random, length: number): string => {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0');
  return out.slice(0, length);
};

const iso = (at: number) => new Date(at).toISOString();

export function traefikLine(random: Random, request: Request, counter: number): Line {
  const port = 1024 + Math.floor(random() * 64000);
  const host = request.client.address.includes(':') ? `[${request.client.address}]` : request.client.address;
  const durationNs = Math.round(request.durationMs * 1e6);
  const overhead = 40_000 + Math.floor(random() * 400_000);
  const upstream = request.status >= 502 && request.status <= 504 ? {} : { OriginContentSize: request.sent, OriginDuration: Math.max(0, durationNs - overhead), OriginStatus: request.status };
  const record = {
    ClientAddr: `${host}:${port}`,
    ClientHost: request.client.address,
    ClientPort: String(port),
    ClientUsername: '-',
    DownstreamContentSize: request.sent,
    DownstreamStatus: request.status,
    Duration: durationNs,
    ...upstream,
    Overhead: overhead,
    RequestAddr: 'api.rendiff.example',
    RequestContentSize: request.received,
    RequestCount: counter,
    RequestHost: 'api.rendiff.example',
    RequestMethod: request.method,
    RequestPath: request.path,
    RequestPort: '-',
    RequestProtocol: random() < 0.7 ? 'HTTP/2.0' : 'HTTP/1.1',
    RequestScheme: 'https',
    RetryAttempts: 0,
    RouterName: 'api@docker',
    ServiceName: 'api@docker',
    ServiceURL: 'http://172.20.0.5:8000',
    StartUTC: iso(request.at),
    entryPointName: 'websecure',
    level: 'info',
    msg: '',
    'request_User-Agent': request.client.agent,
    time: `${iso(request.at + request.durationMs).slice(0, 19)}Z`,
  };
  return { at: request.at + request.durationMs, topic: 'logs-traefik', host: pick(random, HOSTS.traefik), text: JSON.stringify(record) };
}

export function appLine(random: Random, at: number, level: string, message: string, fields: Record<string, unknown>): Line {
  return { at, topic: 'logs-app', host: pick(random, HOSTS.api), text: JSON.stringify({ timestamp: iso(at), level, message, ...fields }) };
}

export function workerLine(random: Random, at: number, level: string, message: string, fields: Record<string, unknown>): Line {
  return { at, topic: 'logs-worker', host: pick(random, HOSTS.worker), text: JSON.stringify({ timestamp: iso(at), level, message, component: 'worker', ...fields }) };
}

export function postgresLine(random: Random, at: number, level: string, text: string, session = true): Line {
  const stamp = iso(at).replace('T', ' ').replace('Z', ' UTC');
  const pid = 1000 + Math.floor(random() * 3000);
  return { at, topic: 'logs-postgres', host: HOSTS.postgres[0] as string, text: `${stamp} [${pid}] ${session ? 'rendiff@rendiff ' : ''}${level}:  ${text}` };
}

const SERVICES = { 'logs-traefik': 'traefik', 'logs-app': 'rendiff-api', 'logs-worker': 'rendiff-worker', 'logs-postgres': 'postgresql' };
const PATHS = { 'logs-traefik': '/var/log/traefik/access.log', 'logs-app': '/var/log/rendiff/api.log', 'logs-worker': '/var/log/rendiff/worker.log', 'logs-postgres': '/var/log/postgresql/postgresql-16-main.log' };

/**
 * A Filebeat 8 event (filestream input) around one line, as Filebeat's Kafka output ships it. Written as
 * text around the one value that needs escaping (the line): a backfill writes a million of them.
 */
export function filebeatEvent(line: Line, offset: number, namespace: string): string {
  const host = JSON.stringify(line.host);
  return `{"@timestamp":"${iso(line.at + 150)}","@metadata":{"beat":"filebeat","type":"_doc","version":"8.17.0"},"log":{"offset":${offset},"file":{"path":"${PATHS[line.topic]}"}},"message":${JSON.stringify(line.text)},"input":{"type":"filestream"},"fields":{"service":"${SERVICES[line.topic]}"},"ecs":{"version":"8.0.0"},"host":{"name":${host}},"agent":{"type":"filebeat","version":"8.17.0","name":${host}},"data_stream":{"namespace":${JSON.stringify(namespace)}}}`;
}
