import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { failure, startElasticsearch } from './support/elasticsearch.js';
import { connectedProducer, createTopics, ingestEnvironment, produce, startWorker } from './support/ingest.js';
import { startKafka } from './support/kafka.js';
import { freePort, waitForPort } from '../bench/process.js';
import { run, runSluice, spawnSluice } from './support/process.js';

// Elasticsearch 9 has security on by default: every request authenticates, with a user's password or an API key.
// The emulator does so with `--user name:password` (a file realm of superusers), so that Sluice's
// ELASTICSEARCH_USERNAME/PASSWORD and ELASTICSEARCH_API_KEY are tested against a server that checks them.

let emulator: ElasticsearchEmulator;
let stop: () => Promise<void>;
const clients: Client[] = [];

beforeAll(async () => {
  ({ emulator, stop } = await startElasticsearch({ users: { elastic: 'changeme', sluice: 'ingest-pw' } }));
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await stop();
});

function client(auth?: { username: string; password: string } | { apiKey: string }): Client {
  const made = new Client({ node: emulator.url, maxRetries: 0, ...(auth === undefined ? {} : { auth }) });
  clients.push(made);
  return made;
}

describe('security: users of a file realm and API keys', () => {
  it('answers 401 with Elasticsearch’s reasons and WWW-Authenticate to no credentials or a wrong password', async () => {
    expect(await failure(client().info())).toMatchObject({ status: 401, type: 'security_exception', reason: 'missing authentication credentials for REST request [/]' });
    expect(await failure(client({ username: 'elastic', password: 'guess' }).cluster.health())).toMatchObject({ status: 401, reason: 'unable to authenticate user [elastic] for REST request [/_cluster/health]' });
    const raw = await fetch(`${emulator.url}/_cat/indices?v`);
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe('Basic realm="security", charset="UTF-8", Bearer realm="security", ApiKey');
    expect(((await raw.json()) as { error: { reason: string } }).error.reason).toBe('missing authentication credentials for REST request [/_cat/indices?v]');
    // curl -u, as operators check a cluster.
    const curl = await run('curl', ['-s', '-u', 'elastic:changeme', `${emulator.url}/_cat/health?h=status`]);
    expect(curl.stdout.trim()).toBe('green');
  });

  it('a user is who _authenticate says; an API key it creates authenticates as its own, until invalidated or expired', async () => {
    const elastic = client({ username: 'elastic', password: 'changeme' });
    expect(await elastic.security.authenticate()).toMatchObject({ username: 'elastic', roles: ['superuser'], authentication_type: 'realm', authentication_realm: { type: 'file' } });

    const created = await elastic.security.createApiKey({ name: 'sluice-ingest', metadata: { team: 'platform' } });
    expect(Buffer.from(created.encoded, 'base64').toString()).toBe(`${created.id}:${created.api_key}`);
    const keyed = client({ apiKey: created.encoded });
    expect(await keyed.security.authenticate()).toMatchObject({ username: 'elastic', authentication_type: 'api_key', api_key: { id: created.id, name: 'sluice-ingest' } });
    expect((await keyed.bulk({ refresh: true, operations: [{ index: { _index: 'secured' } }, { message: 'written with an API key' }] })).errors).toBe(false);
    expect((await elastic.security.getApiKey({ name: 'sluice-ingest' })).api_keys).toMatchObject([{ id: created.id, invalidated: false, username: 'elastic', metadata: { team: 'platform' } }]);
    // No key of that id: an empty list, as Elasticsearch's ApiKeyService answers, not an error.
    expect((await elastic.security.getApiKey({ id: 'no-such-key' })).api_keys).toEqual([]);

    expect(await elastic.security.invalidateApiKey({ ids: [created.id] })).toEqual({ invalidated_api_keys: [created.id], previously_invalidated_api_keys: [], error_count: 0 });
    const invalidated = await keyed.info().then(() => undefined, (error: { meta: { statusCode: number; body: { error: Record<string, unknown> } } }) => error.meta);
    expect(invalidated?.statusCode).toBe(401);
    expect(invalidated?.body.error).toMatchObject({ reason: 'unable to authenticate with provided credentials and anonymous access is not allowed for this request', additional_unsuccessful_credentials: `API key: api key [${created.id}] has been invalidated` });

    const shortLived = await elastic.security.createApiKey({ name: 'for-a-day', expiration: '1d' });
    const dayKey = client({ apiKey: shortLived.encoded });
    expect((await dayKey.info()).version.number).toBe('9.4.0');
    await fetch(`${emulator.url}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '2d' }) });
    expect(await failure(dayKey.info())).toMatchObject({ status: 401 });
    expect(await failure(client({ apiKey: Buffer.from('nope:nothing').toString('base64') }).info())).toMatchObject({ status: 401 });
  });

  it('sluice ingest writes with ELASTICSEARCH_API_KEY; a wrong password stops its start with the reason, naming the credentials', async () => {
    const kafka: KafkaEmulator = await startKafka();
    try {
      await createTopics(kafka.brokers);
      const producer = await connectedProducer(kafka.brokers);
      await produce(producer, 0, 100);
      await producer.disconnect();
      const elastic = client({ username: 'elastic', password: 'changeme' });
      const key = await elastic.security.createApiKey({ name: 'sluice' });
      const worker = await startWorker(await ingestEnvironment(kafka.brokers, emulator.url, { ELASTICSEARCH_API_KEY: key.encoded }));
      try {
        for (let waited = 0; waited < 30_000; waited += 200) {
          await elastic.indices.refresh({ index: 'logs-*' });
          if ((await elastic.count({ index: 'logs-rendiff.*' })).count >= 100) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect((await elastic.count({ index: 'logs-rendiff.*' })).count).toBe(100);
      } finally {
        await worker.close();
      }
      const refused = startWorker(await ingestEnvironment(kafka.brokers, emulator.url, { ELASTICSEARCH_USERNAME: 'sluice', ELASTICSEARCH_PASSWORD: 'guess' }));
      await expect(refused).rejects.toThrow('Elasticsearch refused the credentials (ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD): unable to authenticate user [sluice]');
    } finally {
      await kafka.close();
    }
  }, 60_000);

  it('without users, security is off: every request is served, and the security API says it must be enabled', async () => {
    const open = await startElasticsearch();
    try {
      expect((await open.es.info()).tagline).toBe('You Know, for Search');
      expect(await failure(open.es.security.authenticate())).toMatchObject({ status: 500, reason: expect.stringContaining('Security must be explicitly enabled') as unknown });
      // The security APIs the emulator does not have are refused as such, with security on or off.
      expect(await failure(open.es.security.getRole())).toMatchObject({ status: 400, reason: 'the [_security] API is valid in Elasticsearch but not supported by the emulator' });
    } finally {
      await open.stop();
    }
  });

  it('sluice emulate elasticsearch --user name:password turns security on', async () => {
    const port = await freePort();
    const child = spawnSluice(['emulate', 'elasticsearch', '--port', String(port), '--user', 'ops:s3cret'], { LOG_LEVEL: 'info' });
    try {
      await waitForPort(port);
      expect((await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`])).stdout).toBe('401');
      expect(JSON.parse((await run('curl', ['-s', '-u', 'ops:s3cret', `http://127.0.0.1:${port}/_security/_authenticate`])).stdout)).toMatchObject({ username: 'ops', authentication_type: 'realm' });
      expect(child.output()).toContain('"security":true');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('the command line works with the user in ELASTICSEARCH_URL, and says which credentials were refused instead of a stack trace', async () => {
    const base = { SLUICE_API_KEYS: 'reader:0123456789abcdef01', KAFKA_BROKERS: '127.0.0.1:1' };
    const url = new URL(emulator.url);
    const applied = await runSluice(['ilm', 'apply'], { ...base, ELASTICSEARCH_URL: `http://sluice:ingest-pw@${url.host}` });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('ilm apply:');
    for (const verb of [['ilm', 'status'], ['report', '--month', '2026-11', '--format', 'json']]) {
      const refused = await runSluice(verb, { ...base, ELASTICSEARCH_URL: emulator.url, ELASTICSEARCH_USERNAME: 'sluice', ELASTICSEARCH_PASSWORD: 'guess' });
      expect(refused.code, verb.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(/^sluice: Elasticsearch refused the credentials \(ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD\): unable to authenticate user \[sluice\] for REST request \[/);
      expect(refused.stderr).not.toContain('    at ');
    }
  });

  it('the API and the rollup service report refused credentials in /readyz, not an unreachable Elasticsearch', async () => {
    const [apiPort, rollupPort] = [await freePort(), await freePort()];
    const env = { SLUICE_API_KEYS: 'reader:0123456789abcdef01', KAFKA_BROKERS: '127.0.0.1:1', ELASTICSEARCH_URL: emulator.url, ELASTICSEARCH_USERNAME: 'sluice', ELASTICSEARCH_PASSWORD: 'guess', SLUICE_API_PORT: String(apiPort), SLUICE_ROLLUP_METRICS_PORT: String(rollupPort) };
    const services = [spawnSluice(['api'], env), spawnSluice(['rollup'], env)];
    try {
      for (const port of [apiPort, rollupPort]) {
        await waitForPort(port);
        // Each checks Elasticsearch at its start and then again; until its first check it says unreachable.
        let answer: { status: number; elasticsearch: unknown } = { status: 0, elasticsearch: 'unreachable' };
        for (let tries = 0; tries < 50 && answer.elasticsearch === 'unreachable'; tries += 1) {
          const response = await fetch(`http://127.0.0.1:${port}/readyz`);
          answer = { status: response.status, elasticsearch: ((await response.json()) as { elasticsearch?: unknown; details?: { elasticsearch?: unknown } }).elasticsearch };
          if (answer.elasticsearch === 'unreachable') await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(answer.status, String(port)).toBe(503);
        expect(String(answer.elasticsearch)).toMatch(/^refused the credentials: /);
      }
    } finally {
      for (const service of services) service.kill('SIGTERM');
    }
  }, 30_000);
});
