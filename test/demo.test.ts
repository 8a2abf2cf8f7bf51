import { isIP } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';
import { MINUTE, minuteMessages, planDemo, trafficShape, type DemoPlan } from '../services/demo/generator.js';
import { describePlan } from '../services/demo/describe.js';
import { DEMO_TOPICS } from '../services/demo/lines.js';
import { demoLag } from '../services/demo/ingest-lag.js';
import { backfillBehindIngest, demoProducer } from '../services/demo/producer.js';
import { describeProgress, Progress } from '../services/demo/progress.js';
import { tagSecurity } from '../pipelines/enrich/security.js';
import { loadConfig } from '../shared/config.js';
import { kafkaClient } from '../shared/kafka.js';
import { startKafka } from './support/kafka.js';
import { waitFor } from './support/process.js';

/**
 * The demo's generator: deterministic for a seed, realistic enough for every pipeline to take its lines,
 * with the incidents and attacks it plants where it says.
 */

const NOVEMBER = { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-12-01T00:00:00Z') };
const plan = (seed: number, events = 500_000): DemoPlan => planDemo({ seed, namespace: 'demo', ...NOVEMBER, events });

function range(p: DemoPlan, from: number, to: number) {
  const out: Array<{ topic: string; value: string }> = [];
  for (let minute = from; minute < to; minute += MINUTE) out.push(...minuteMessages(p, minute));
  return out;
}

describe('the demo generator', () => {
  it('gives the same month for the same seed, minute by minute in any order, and another month for another seed', () => {
    const a = plan(7);
    const b = plan(7);
    expect(describePlan(a, 'UTC')).toEqual(describePlan(b, 'UTC'));
    const day = NOVEMBER.from + 9 * 86_400_000;
    const forward = range(a, day, day + 30 * MINUTE);
    // Generated backwards, minute by minute, after other minutes: the same lines.
    const backward: typeof forward = [];
    minuteMessages(b, NOVEMBER.from + 20 * 86_400_000);
    for (let minute = day + 29 * MINUTE; minute >= day; minute -= MINUTE) backward.unshift(...minuteMessages(b, minute));
    expect(backward).toEqual(forward);
    expect(range(plan(8), day, day + 30 * MINUTE)).not.toEqual(forward);
    expect(describePlan(plan(8), 'UTC')).not.toEqual(describePlan(a, 'UTC'));
  });

  it('plants an outage, a latency regression and a failing job type on weekdays, and five attacks, inside the month', () => {
    const p = plan(3);
    expect(p.incidents.map((incident) => incident.kind)).toEqual(['outage', 'latency', 'job_failures']);
    for (const incident of [...p.incidents, ...p.attacks]) {
      expect(incident.from).toBeGreaterThanOrEqual(NOVEMBER.from);
      expect(incident.to).toBeLessThanOrEqual(NOVEMBER.to);
    }
    for (const incident of p.incidents) expect([1, 2, 3, 4, 5]).toContain(new Date(incident.from).getUTCDay());
    expect(p.attacks.map((attack) => attack.attacker.kind).sort()).toEqual(['brute_force', 'scanner', 'sqli', 'traversal', 'xss']);
    const listed = describePlan(p, 'UTC');
    expect(listed).toHaveLength(8);
    const outage = p.incidents[0];
    expect(listed.find((item) => item.kind === 'outage')).toMatchObject({ slo: 'api-availability', minutes: ((outage?.to ?? 0) - (outage?.from ?? 0)) / MINUTE, start: new Date(outage?.from ?? 0).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' });
  });

  it('follows a diurnal and weekly curve that averages 1 over a week', () => {
    let sum = 0;
    const monday = Date.parse('2026-11-02T00:00:00Z');
    for (let minute = monday; minute < monday + 7 * 86_400_000; minute += MINUTE) sum += trafficShape(minute);
    expect(sum / (7 * 1440)).toBeCloseTo(1, 2);
    expect(trafficShape(Date.parse('2026-11-04T15:00:00Z'))).toBeGreaterThan(4 * trafficShape(Date.parse('2026-11-04T03:00:00Z')));
    expect(trafficShape(Date.parse('2026-11-07T15:00:00Z'))).toBeLessThan(trafficShape(Date.parse('2026-11-06T15:00:00Z')));
  });

  it('fails every API request during the outage, and none outside incidents with a 5xx', () => {
    const p = plan(5);
    const outage = p.incidents[0] as DemoPlan['incidents'][number];
    const statuses = (from: number, to: number) =>
      range(p, from, to)
        .filter((m) => m.topic === 'logs-traefik')
        .flatMap((m) => {
          try {
            return [(JSON.parse((JSON.parse(m.value) as { message: string }).message) as { DownstreamStatus: number }).DownstreamStatus];
          } catch {
            return []; // a line the generator cut on purpose
          }
        });
    const during = statuses(outage.from, outage.to);
    expect(during.length).toBeGreaterThanOrEqual(12 * ((outage.to - outage.from) / MINUTE));
    expect(during.every((status) => status === 502 || status === 503)).toBe(true);
    const before = statuses(outage.from - 120 * MINUTE, outage.from);
    expect(before.length).toBeGreaterThan(100);
    expect(before.filter((status) => status >= 500)).toEqual([]);
  });

  it('produces about the volume asked for, in the seed platform\u2019s mix of sources', () => {
    const p = planDemo({ seed: 11, namespace: 'demo', from: NOVEMBER.from, to: NOVEMBER.from + 7 * 86_400_000, events: 100_000 });
    const messages = range(p, p.from, p.to);
    expect(messages.length).toBeGreaterThan(85_000);
    expect(messages.length).toBeLessThan(115_000);
    const byTopic = new Map<string, number>();
    for (const message of messages) byTopic.set(message.topic, (byTopic.get(message.topic) ?? 0) + 1);
    expect((byTopic.get('logs-traefik') ?? 0) / messages.length).toBeGreaterThan(0.55);
    for (const topic of ['logs-app', 'logs-worker', 'logs-postgres']) expect(byTopic.get(topic) ?? 0).toBeGreaterThan(1000);
  });

  it('writes lines every pipeline takes into the demo namespace, attacks tagged, and a few broken ones for the dead-letter topic', () => {
    const p = plan(9);
    const pipeline = createPipeline({ namespace: 'default', eventNamespaces: ['demo'], enrichers: [tagSecurity] });
    const outcomes = [...p.attacks.flatMap((attack) => range(p, attack.from, attack.from + 3 * MINUTE)), ...range(p, NOVEMBER.from + 10 * 86_400_000, NOVEMBER.from + 11 * 86_400_000)].map((message) => ({ message, outcome: pipeline({ value: message.value, topic: message.topic }) }));
    const rejected = outcomes.filter(({ outcome }) => !outcome.ok);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.length / outcomes.length).toBeLessThan(0.005);
    for (const { outcome } of rejected) expect(outcome).toMatchObject({ ok: false, stage: 'decode' });
    const documents = outcomes.flatMap(({ outcome }) => (outcome.ok ? [outcome.document] : []));
    expect(new Set(documents.map((document) => (document.data_stream as { namespace: string }).namespace))).toEqual(new Set(['demo']));
    expect(new Set(documents.map((document) => (document.data_stream as { dataset: string }).dataset))).toEqual(new Set(['rendiff.traefik', 'rendiff.api', 'rendiff.worker', 'rendiff.postgres']));
    // Every client address is one an ip field takes (Elasticsearch refuses the document otherwise), IPv6 ones too.
    const addresses = [...new Set(documents.flatMap((document) => (document.source as { ip?: string } | undefined)?.ip ?? []))];
    expect(addresses.filter((address) => isIP(address) === 0)).toEqual([]);
    expect(addresses.some((address) => isIP(address) === 6)).toBe(true);
    // Nothing parsed as a plain line: every JSON line was whole.
    expect(documents.filter((document) => (document.tags as string[] | undefined)?.includes('not_json') && (document.data_stream as { dataset: string }).dataset !== 'rendiff.postgres')).toEqual([]);
    const tagged = (address: string) => documents.filter((document) => (document.source as { ip?: string } | undefined)?.ip === address && (document.tags as string[] | undefined)?.includes('security_alert')).length;
    for (const attack of p.attacks.filter((each) => ['scanner', 'sqli', 'xss', 'traversal'].includes(each.attacker.kind))) expect(tagged(attack.attacker.address), attack.attacker.kind).toBeGreaterThan(0);
    // An event asking for a namespace outside SLUICE_EVENT_NAMESPACES stays in SLUICE_NAMESPACE.
    const other = planDemo({ seed: 9, namespace: 'prod', ...NOVEMBER, events: 500_000 });
    const elsewhere = minuteMessages(other, NOVEMBER.from + 10 * 86_400_000 + 14 * 60 * MINUTE).map((message) => pipeline({ value: message.value, topic: message.topic }));
    expect(new Set(elsewhere.flatMap((outcome) => (outcome.ok ? [(outcome.document.data_stream as { namespace: string }).namespace] : [])))).toEqual(new Set(['default']));
  });
});

describe('backfill progress', () => {
  it('gives the rate and the time left, as a bar on a terminal and as plain lines otherwise', () => {
    expect(describeProgress(250_000, 1_000_000, 25_000).text).toBe('250,000/1,000,000 events (25.0 %), 10,000 events/s, ETA 1 min 15 s');
    const tty: string[] = [];
    const bar = new Progress({ isTTY: true, write: (text: string) => tty.push(text) }, 'backfill', 1000);
    bar.update(500);
    bar.finish(1000);
    expect(tty[0]).toMatch(/^\rbackfill \[#{15}\.{15}\] 500\/1,000 events \(50\.0 %\)/);
    expect(tty[1]).toMatch(/^\rbackfill \[#{30}\] 1,000\/1,000 events \(100\.0 %\).*\n$/);
    const plain: string[] = [];
    const lines = new Progress({ isTTY: false, write: (text: string) => plain.push(text) }, 'backfill', 1000);
    lines.update(100);
    lines.update(200);
    lines.finish(1000);
    expect(plain).toHaveLength(2);
    expect(plain.every((line) => !line.includes('\r') && line.endsWith('\n'))).toBe(true);
  });
});

describe("the local mode's backfill", () => {
  it("reads the ingest group's lag over the configured demo topics: each partition's end less its commit, or less its start where nothing is committed", async () => {
    const emulator = await startKafka();
    // logs-postgres is not consumed by this configuration: what waits there is no one's lag.
    const config = loadConfig({ KAFKA_BROKERS: emulator.brokers, KAFKA_TOPICS: 'logs-traefik,logs-app,logs-worker' });
    const logger = pino({ level: 'silent' });
    const producer = demoProducer(config, logger);
    const admin = kafkaClient(config, logger, 'sluice-test').admin();
    try {
      await producer.connect();
      await admin.connect();
      await admin.createTopics({ topics: DEMO_TOPICS.map((topic) => ({ topic, numPartitions: 2 })) });
      // A different count on every partition, so that a topic or partition taken for another shows.
      const counts: Record<string, [number, number]> = { 'logs-traefik': [7, 3], 'logs-app': [5, 11], 'logs-worker': [2, 9], 'logs-postgres': [13, 17] };
      for (const [topic, perPartition] of Object.entries(counts)) {
        await producer.send({ topic, messages: perPartition.flatMap((count, partition) => Array.from({ length: count }, (_, i) => ({ partition, value: `${topic} ${partition} ${i}` }))) });
      }
      const groupId = config.kafka.groupId;
      expect(await demoLag(admin, config)).toBe(7 + 3 + 5 + 11 + 2 + 9);
      // A member of the group commits traefik's first partition at 4, app's second at its end and worker's second
      // at 1, and leaves; the other partitions have no commit.
      const member = kafkaClient(config, logger, 'sluice-test-ingest').consumer({ groupId, maxWaitTimeInMs: 100 });
      const joined = new Promise((resolve) => member.on(member.events.GROUP_JOIN, resolve));
      await member.connect();
      await member.subscribe({ topics: config.kafka.topics, fromBeginning: true });
      await member.run({ autoCommit: false, eachBatch: async () => undefined });
      await joined;
      await member.commitOffsets([
        { topic: 'logs-traefik', partition: 0, offset: '4' },
        { topic: 'logs-app', partition: 1, offset: '11' },
        { topic: 'logs-worker', partition: 1, offset: '1' },
      ]);
      await member.disconnect();
      expect(await demoLag(admin, config)).toBe(7 - 4 + 3 + 5 + (11 - 11) + 2 + (9 - 1));
    } finally {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
      await emulator.close();
    }
  }, 30_000);

  it('stays at most its pace ahead of the ingest group, so the broker never drops what ingest has not read, and goes on as the group commits', async () => {
    const emulator = await startKafka();
    const config = loadConfig({ KAFKA_BROKERS: emulator.brokers });
    const logger = pino({ level: 'silent' });
    const producer = demoProducer(config, logger);
    const admin = kafkaClient(config, logger, 'sluice-test').admin();
    const consumer = kafkaClient(config, logger, 'sluice-test-ingest').consumer({ groupId: config.kafka.groupId, maxWaitTimeInMs: 100 });
    try {
      await producer.connect();
      await admin.connect();
      // As ingest does before the backfill asks for its lag: the topics exist, three partitions each.
      await admin.createTopics({ topics: DEMO_TOPICS.map((topic) => ({ topic, numPartitions: 3 })) });
      const month = plan(5, 30_000);
      let total = 0;
      for (let minute = month.from; minute < month.to; minute += MINUTE) total += minuteMessages(month, minute).length;
      const pace = { mostAhead: 5_000, askEvery: 1_000 };
      const steps: number[] = [];
      let done = false;
      const running = backfillBehindIngest(producer, admin, config, month, month.from, (step) => steps.push(step.produced), new AbortController().signal, pace).finally(() => (done = true));
      // Nothing reads: it stops within its pace (and the request that crossed it) and waits.
      await waitFor(() => (steps.at(-1) ?? 0) >= pace.mostAhead, 20_000, 'the backfill to reach its pace');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const request = Math.max(...steps.map((produced, i) => produced - (steps[i - 1] ?? 0)));
      const waiting = steps.at(-1) ?? 0;
      expect(done).toBe(false);
      expect(waiting).toBeLessThanOrEqual(pace.mostAhead + pace.askEvery + request);
      expect(waiting).toBeLessThan(total);
      // Ingest joins and reads (a member of its group, committing each batch): the backfill goes on to the month's end.
      let consumed = 0;
      await consumer.connect();
      await consumer.subscribe({ topics: [...DEMO_TOPICS], fromBeginning: true });
      await consumer.run({ eachBatch: async ({ batch }) => void (consumed += batch.messages.length) });
      expect(await running).toBe(total);
      const ends = await Promise.all(DEMO_TOPICS.map((topic) => admin.fetchTopicOffsets(topic)));
      expect(ends.flat().reduce((sum, end) => sum + Number(end.high), 0)).toBe(total);
      await waitFor(() => consumed === total, 20_000, 'every message read');
    } finally {
      await Promise.allSettled([producer.disconnect(), admin.disconnect(), consumer.disconnect()]);
      await emulator.close();
    }
  }, 60_000);
});
