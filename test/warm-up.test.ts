import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrichers } from '../pipelines/enrichers.js';
import { createPipeline, type Enricher } from '../pipelines/pipeline.js';
import { loadConfig } from '../shared/config.js';
import { warmUp } from '../services/ingest/warm-up.js';

// Traefik access-log lines as a worker reads them from Kafka: the fixture's (written after Traefik's
// documented JSON format), and one per request of the labelled security corpus (benign and attacks, with
// their user agents) put into the first of them.
const fixtures = join(import.meta.dirname, 'fixtures');
const traefik = readFileSync(join(fixtures, 'traefik-access.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
const corpus = JSON.parse(readFileSync(join(fixtures, 'security-corpus.json'), 'utf8')) as Array<{ method: string; path: string; query?: string; user_agent?: string }>;
const template = JSON.parse(traefik[0] as string) as Record<string, unknown>;
const lines = [
  ...traefik,
  ...corpus.slice(0, 300).map((entry) => JSON.stringify({ ...template, RequestMethod: entry.method, RequestPath: entry.query === undefined ? entry.path : `${entry.path}?${entry.query}`, 'request_User-Agent': entry.user_agent ?? '-' })),
];

let enrichers: readonly Enricher[];
let close: () => void;

beforeAll(async () => {
  ({ enrichers, close } = await createEnrichers(loadConfig({})));
});

afterAll(() => close());

describe('warming the pipeline up before the worker joins its group', () => {
  it('runs the asked number of the demo traffic lines through the enrichers, every one a document, from each source', () => {
    const warm = warmUp(enrichers, 1500);
    expect(Object.values(warm.byTopic).reduce((sum, count) => sum + count, 0)).toBe(1500);
    expect(warm.documents).toBe(1500);
    for (const topic of ['logs-traefik', 'logs-app', 'logs-worker', 'logs-postgres']) expect(warm.byTopic[topic], topic).toBeGreaterThan(0);
  });

  it('leaves what the pipeline makes of real lines as it was', () => {
    const before = createPipeline({ namespace: 'default', enrichers });
    const documents = (pipeline: typeof before) => lines.map((line, i) => {
      const outcome = pipeline({ value: Buffer.from(line), topic: 'logs-traefik', partition: 0, offset: String(i) });
      return outcome.ok ? { ...outcome.document, event: { ...(outcome.document.event as object), ingested: undefined } } : outcome;
    });
    const first = documents(before);
    warmUp(enrichers, 1000);
    expect(documents(createPipeline({ namespace: 'default', enrichers }))).toEqual(first);
    // Tagged by the security stage, parsed agents, located clients: the comparison covers the enrichers.
    expect(first.filter((document) => JSON.stringify(document).includes('"rule"')).length).toBeGreaterThan(10);
  });
});
