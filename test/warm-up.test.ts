import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

// Two workers' enrichers: one warmed up, one never (the documents of a worker that did not warm up are the reference).
let enrichers: readonly Enricher[];
let cold: readonly Enricher[];
const closers: Array<() => void> = [];

beforeAll(async () => {
  const [warmed, never] = await Promise.all([createEnrichers(loadConfig({})), createEnrichers(loadConfig({}))]);
  enrichers = warmed.enrichers;
  cold = never.enrichers;
  closers.push(warmed.close, never.close);
});

afterAll(() => closers.forEach((close) => close()));

describe('warming the pipeline up before the worker joins its group', () => {
  it('runs the asked number of the demo traffic lines through the enrichers, every one a document but the few the demo cuts short, from each source', () => {
    const warm = warmUp(enrichers, 1500);
    expect(Object.values(warm.byTopic).reduce((sum, count) => sum + count, 0)).toBe(1500);
    // The demo plants a record cut short in about 3 % of its minutes (broken JSON, refused at decode); which
    // minutes the warm-up reads depends on the clock. Nothing else may be refused.
    expect(Object.keys(warm.rejected).filter((stage) => stage !== 'decode')).toEqual([]);
    expect(warm.documents + (warm.rejected.decode ?? 0)).toBe(1500);
    expect(warm.rejected.decode ?? 0).toBeLessThan(15);
    // A clock whose week-ago minutes hold such a record (the demo's minutes are a function of the seed and the time).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-12-03T06:20:00Z') });
    try {
      const cut = warmUp(enrichers, 1500);
      expect(cut.rejected).toEqual({ decode: expect.any(Number) });
      expect(cut.documents + (cut.rejected.decode as number)).toBe(1500);
      // Every source, on this fixed clock: PostgreSQL is 2-8 lines of 1 500, so some clocks' minutes have none.
      for (const topic of ['logs-traefik', 'logs-app', 'logs-worker', 'logs-postgres']) expect(cut.byTopic[topic], topic).toBeGreaterThan(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('makes of real lines the documents a worker that did not warm up makes', () => {
    const documents = (chain: readonly Enricher[]) => {
      const pipeline = createPipeline({ namespace: 'default', enrichers: chain });
      return lines.map((line, i) => {
        const outcome = pipeline({ value: Buffer.from(line), topic: 'logs-traefik', partition: 0, offset: String(i) });
        return outcome.ok ? { ...outcome.document, event: { ...(outcome.document.event as object), ingested: undefined } } : outcome;
      });
    };
    warmUp(enrichers, 1000);
    const reference = documents(cold);
    expect(documents(enrichers)).toEqual(reference);
    // Tagged by the security stage, parsed agents, located clients: the comparison covers the enrichers.
    expect(reference.filter((document) => JSON.stringify(document).includes('"rule"')).length).toBeGreaterThan(10);
  });
});
