import { describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';
import { failure } from './support/elasticsearch.js';
import { templatedEmulator } from './support/rollups.js';

// Events of shippers other than Filebeat, as their Kafka outputs write them with a JSON codec. The envelopes are in
// the shapes of each shipper's documentation: Vector's output examples of its file, docker_logs and kubernetes_logs
// sources (vector.dev, each source's "Output" section; the pod's namespace labels, IPs and owner as listed there),
// Fluent Bit's kubernetes filter's record (its documentation's example: `log`, `stream`, `time` and `kubernetes`) and
// its Kafka output's `@timestamp` (Timestamp_Key's default, Timestamp_Format double: epoch seconds), and its cri
// parser's fields (parsers.conf: `time`, `stream`, `logtag`, `message`), and Logstash's events as its inputs make them
// (the file input's `path` and `host` without ECS compatibility, `[log][file][path]`, `[host][name]` and
// `[event][original]` with it; the tcp input's `host` and `port`; `type` and `tags` of the input's settings). The
// lines they carry are written for Sluice in the seed's formats.

const NOW = Date.parse('2026-12-07T12:00:00Z');
const pipeline = createPipeline({ namespace: 'prod', now: () => NOW });

function accept(record: unknown, topic: string): Record<string, any> {
  const outcome = pipeline({ value: JSON.stringify(record), topic });
  if (!outcome.ok) throw new Error(`rejected: ${outcome.reason}`);
  return outcome.document;
}

const APP_LINE = JSON.stringify({ timestamp: '2026-12-07T06:00:00.250Z', level: 'ERROR', message: 'Job processing failed', job_id: 'job-42', component: 'api' });
const WORKER_LINE = JSON.stringify({ timestamp: '2026-12-07T06:00:01Z', level: 'INFO', message: 'Job processing completed', job_id: 'job-42', worker_id: 'w-3', queue: 'transcode' });
const TRAEFIK_LINE = '192.168.1.10 - - [07/Dec/2026:06:00:02 +0000] "GET /api/v1/videos HTTP/1.1" 502 157 "-" "curl/8.0" 42 "api@docker" "http://172.18.0.5:8000" 12ms';

const VECTOR_FILE = { file: '/var/log/rendiff/api.log', host: 'my-host.local', message: APP_LINE, source_type: 'file', timestamp: '2026-12-07T06:00:00.452332Z' };
const VECTOR_DOCKER = {
  container_created_at: '2026-12-07T05:11:29.443232Z', container_id: 'fecc98177eca7fb75a2b2186c418bf9a0cd3a05a1169f2e2293bf8987a9d96ab', container_name: 'traefik', host: 'my-host.local', image: 'traefik:v3.1',
  label: { 'com.docker.compose.project': 'rendiff', 'com.docker.compose.service': 'traefik' }, message: TRAEFIK_LINE, source_type: 'docker_logs', stream: 'stdout', timestamp: '2026-12-07T06:00:02.452332Z',
};
const VECTOR_KUBERNETES = {
  file: '/var/log/pods/rendiff_worker-7d9f_ba46d8c9/worker/1.log',
  kubernetes: {
    container_id: 'containerd://0f17a23cef07', container_image: 'rendiff/worker:1.4', container_name: 'worker', namespace_labels: { 'kubernetes.io/metadata.name': 'rendiff' },
    pod_annotations: { 'prometheus.io/scrape': 'true' }, pod_ip: '10.42.0.17', pod_ips: ['10.42.0.17'], pod_labels: { app: 'worker', 'app.kubernetes.io/name': 'worker' },
    pod_name: 'worker-7d9f', pod_namespace: 'rendiff', pod_node_name: 'node-1', pod_owner: 'ReplicaSet/worker-7d9f', pod_uid: 'ba46d8c9-9541-4f6b-bbf9-d23b36f2f136',
  },
  message: WORKER_LINE, source_type: 'kubernetes_logs', stream: 'stdout', timestamp: '2026-12-07T06:00:01.452332Z',
};
const FLUENT_BIT_DOCKER = {
  '@timestamp': 1796623203.25, log: `${APP_LINE}\n`, stream: 'stdout', time: '2026-12-07T06:00:03.000000001Z',
  kubernetes: { pod_name: 'api-5c8d', namespace_name: 'rendiff', pod_id: 'e9f2963f-6d6d-11e8-9ffb-0800272aa6f1', labels: { app: 'api', 'app.kubernetes.io/name': 'api' }, annotations: { 'fluentbit.io/parser': 'json' }, host: 'node-2', container_name: 'api', docker_id: 'b1bd73c9b6f4', container_hash: 'sha256:5b6f', container_image: 'rendiff/api:1.4' },
};
const FLUENT_BIT_CRI = { '@timestamp': 1796623204.5, time: '2026-12-07T06:00:04.123456789Z', stream: 'stderr', logtag: 'F', message: 'ValueError: unsupported codec' };

describe('lines other shippers carry: Vector, Fluent Bit and Logstash', () => {
  it('Vector’s file source: the app’s record read as Filebeat’s message is, the host and file kept', () => {
    expect(accept(VECTOR_FILE, 'logs-app')).toMatchObject({
      '@timestamp': '2026-12-07T06:00:00.250Z', message: 'Job processing failed', log: { level: 'error', file: { path: '/var/log/rendiff/api.log' } }, event: { outcome: 'failure' },
      rendiff: { job_id: 'job-42' }, host: { name: 'my-host.local' }, agent: { type: 'vector' }, service: { name: 'rendiff-api' },
    });
  });

  it('Vector’s docker_logs: a Traefik access line with its container, labels dotted as Filebeat dedots them', () => {
    const access = accept(VECTOR_DOCKER, 'logs-traefik');
    expect(access).toMatchObject({
      http: { response: { status_code: 502 } }, event: { category: ['web'], outcome: 'failure' }, source: { ip: '192.168.1.10' },
      container: { id: VECTOR_DOCKER.container_id, name: 'traefik', image: { name: 'traefik:v3.1' }, labels: { com_docker_compose_project: 'rendiff', com_docker_compose_service: 'traefik' } },
    });
  });

  it('Vector’s kubernetes_logs: a worker’s record with its pod, namespace, node and labels in Filebeat’s places', () => {
    const done = accept(VECTOR_KUBERNETES, 'logs-worker');
    expect(done).toMatchObject({
      message: 'Job processing completed', rendiff: { job_id: 'job-42', worker: { id: 'w-3', queue: 'transcode' } }, log: { file: { path: VECTOR_KUBERNETES.file } },
      kubernetes: { pod: { name: 'worker-7d9f', uid: 'ba46d8c9-9541-4f6b-bbf9-d23b36f2f136', ip: '10.42.0.17' }, namespace: 'rendiff', node: { name: 'node-1' }, labels: { app: 'worker', 'app_kubernetes_io/name': 'worker' }, container: { name: 'worker' }, pod_owner: 'ReplicaSet/worker-7d9f' },
      container: { id: 'containerd://0f17a23cef07', image: { name: 'rendiff/worker:1.4' } },
    });
  });

  it('Fluent Bit’s tail with the docker parser and the kubernetes filter; its cri parser’s plain line; their time when the line has none', () => {
    expect(accept(FLUENT_BIT_DOCKER, 'logs-app')).toMatchObject({
      '@timestamp': '2026-12-07T06:00:00.250Z', message: 'Job processing failed', log: { level: 'error' }, agent: { type: 'fluent-bit' },
      kubernetes: { pod: { name: 'api-5c8d', uid: 'e9f2963f-6d6d-11e8-9ffb-0800272aa6f1' }, namespace: 'rendiff', node: { name: 'node-2' }, labels: { app: 'api', 'app_kubernetes_io/name': 'api' }, container_hash: 'sha256:5b6f' },
      container: { id: 'b1bd73c9b6f4', image: { name: 'rendiff/api:1.4' } },
    });
    // A plain line on the app's topic stays in its stream, whole, at the time the runtime gave it.
    expect(accept(FLUENT_BIT_CRI, 'logs-app')).toMatchObject({ '@timestamp': '2026-12-07T06:00:04.123Z', message: 'ValueError: unsupported codec', tags: ['not_json'], data_stream: { dataset: 'rendiff.api' } });
    const untimed = { '@timestamp': 1796623205.5, log: JSON.stringify({ level: 'INFO', message: 'no time of its own' }) };
    expect(accept(untimed, 'logs-app')['@timestamp']).toBe('2026-12-07T06:00:05.500Z');
    const vectorUntimed = { ...VECTOR_FILE, message: JSON.stringify({ level: 'INFO', message: 'no time of its own' }) };
    expect(accept(vectorUntimed, 'logs-app')['@timestamp']).toBe('2026-12-07T06:00:00.452Z');
  });

  it('Logstash’s events: the line in `message`, its host and file; an input’s `type` routes it as Filebeat’s log_type does', () => {
    const legacy = { '@timestamp': '2026-12-07T06:00:01.000Z', '@version': '1', message: WORKER_LINE, host: 'worker-2', path: '/var/log/rendiff/worker.log', type: 'worker', tags: ['rendiff'] };
    expect(accept(legacy, 'logs-shipped')).toMatchObject({
      data_stream: { dataset: 'rendiff.worker' }, message: 'Job processing completed', rendiff: { worker: { id: 'w-3' } }, host: { name: 'worker-2' }, log: { file: { path: '/var/log/rendiff/worker.log' } }, agent: { type: 'logstash' }, tags: ['rendiff'],
    });
    const ecs = { '@timestamp': '2026-12-07T06:00:01.000Z', '@version': '1', message: APP_LINE, host: { name: 'api-1' }, log: { file: { path: '/var/log/rendiff/api.log' } }, event: { original: APP_LINE } };
    expect(accept(ecs, 'logs-app')).toMatchObject({ message: 'Job processing failed', log: { level: 'error', file: { path: '/var/log/rendiff/api.log' } }, host: { name: 'api-1' } });
    const tcp = { '@timestamp': '2026-12-07T06:00:01.000Z', '@version': '1', message: APP_LINE, host: '10.0.0.9', port: 51514 };
    expect(accept(tcp, 'logs-app')).toMatchObject({ '@timestamp': '2026-12-07T06:00:00.250Z', message: 'Job processing failed', rendiff: { job_id: 'job-42' } });
  });

  it('a record with a field no shipper writes is the application’s own, not an envelope', () => {
    const own = { '@timestamp': 1796623200, message: 'uploaded', level: 'info', user_id: 7 };
    expect(accept(own, 'logs-app')).toMatchObject({ message: 'uploaded', user: { id: '7' } });
    const vectorLike = { ...VECTOR_FILE, message: 'export finished', source_type: 'file', request_id: 'r-1' };
    expect(accept(vectorLike, 'logs-misc')).toMatchObject({ message: 'export finished', rendiff: { source_type: 'file', request_id: 'r-1' } });
    // Vector's syslog events are read as syslog, as before (system-records.ts).
    const syslog = { appname: 'sshd', facility: 'auth', hostname: 'bastion', message: 'Accepted publickey for deploy from 203.0.113.9 port 50514 ssh2', procid: 812, severity: 'info', source_type: 'syslog', timestamp: '2026-12-07T06:00:00Z', version: 1 };
    expect(accept(syslog, 'logs-misc')).toMatchObject({ process: { name: 'sshd', pid: 812 }, host: { hostname: 'bastion' }, event: { category: ['authentication', 'session'] } });
  });
});

describe('these documents in Elasticsearch', () => {
  const es = templatedEmulator();

  it('are indexed under ilm/’s templates; labels as the shippers wrote them would be refused', async () => {
    const documents = [accept(VECTOR_FILE, 'logs-app'), accept(VECTOR_DOCKER, 'logs-traefik'), accept(VECTOR_KUBERNETES, 'logs-worker'), accept(FLUENT_BIT_DOCKER, 'logs-app')];
    const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const result = await es().bulk({ refresh: true, operations });
    expect(result.items.map((item) => item.create?.error?.reason)).toEqual([undefined, undefined, undefined, undefined]);
    const inPod = await es().count({ index: 'logs-*-prod', query: { term: { 'kubernetes.namespace': 'rendiff' } } });
    expect(inPod.count).toBe(2);
    // The control: `app` and `app.kubernetes.io/name` undotted are a value and an object at one path.
    const refused = await failure(es().index({ index: 'logs-rendiff.worker-prod', op_type: 'create', document: { '@timestamp': '2026-12-07T06:00:00Z', kubernetes: { labels: VECTOR_KUBERNETES.kubernetes.pod_labels } } }));
    expect(refused.type).toBe('document_parsing_exception');
  });
});
