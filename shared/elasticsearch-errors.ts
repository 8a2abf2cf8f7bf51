import type { Config } from './config.js';

// Apart from shared/elasticsearch.ts, so that the command line can name a refusal without loading the client.

/** Elasticsearch's reason for refusing the credentials (401, 403), or undefined for any other error. */
export function credentialsRefusal(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const meta = (error as { meta?: { statusCode?: number; body?: { error?: { reason?: string } } } }).meta;
  if (meta?.statusCode !== 401 && meta?.statusCode !== 403) return undefined;
  return meta.body?.error?.reason ?? `status ${meta.statusCode}`;
}

/** The settings that give Elasticsearch Sluice's credentials, for the error that says they were refused. */
export function credentialSettings(config?: Config): string {
  const auth = config?.elasticsearch.auth;
  if (config !== undefined && auth === undefined) return 'none were given: set ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD';
  if (auth === undefined) return 'ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD';
  return 'apiKey' in auth ? 'ELASTICSEARCH_API_KEY' : 'ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD';
}

/** How a readiness report names Elasticsearch after a failed call: the refusal of the credentials, or unreachable. */
export function elasticsearchState(error: unknown): string {
  const refused = credentialsRefusal(error);
  return refused === undefined ? 'unreachable' : `refused the credentials: ${refused}`;
}
