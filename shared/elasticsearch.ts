import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { Config } from './config.js';

/** Where Sluice's embedded Elasticsearch emulator listens in local mode (and `sluice emulate elasticsearch` by default). */
export const LOCAL_ELASTICSEARCH_URL = 'http://127.0.0.1:9200';

/** The official client for the configured cluster: its nodes, API key or basic auth, and a CA for TLS. */
export function elasticsearchClient(config: Config): Client {
  const { urls, auth, caFile } = config.elasticsearch;
  return new Client({
    nodes: urls ?? [LOCAL_ELASTICSEARCH_URL],
    ...(auth === undefined ? {} : { auth }),
    ...(caFile === undefined ? {} : { tls: { ca: readFileSync(caFile) } }),
    // The default ('replace') copies each failed request's diagnostics key by key to redact them, the bulk
    // body included: a 5 MB body became millions of entries, so an outage ran the worker out of memory.
    // 'remove' drops the headers and options that may hold credentials without walking the body.
    redaction: { type: 'remove' },
  });
}
