import { parseArgs } from 'node:util';
import { markdown, publish, summarise, type Sample } from './results.js';

/**
 * `npm run bench`: every benchmark in bench/, each figure next to a baseline measured in the same run, `--runs`
 * times (default 3) for the median, min and max. Writes bench/results/latest.json and latest.md and the table
 * in the README. `--quick` (one run, reduced sizes, results in bench/results/quick.*) is a smoke check for CI:
 * it asserts no thresholds.
 */
const { values: options } = parseArgs({ options: { quick: { type: 'boolean', default: false }, runs: { type: 'string' } } });
const quick = options.quick === true;
const runs = Number(options.runs ?? (quick ? 1 : 3));
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${options.runs}`);
if (quick) {
  // Sizes are read when the benchmark modules load, so they are set before importing them.
  Object.assign(process.env, {
    BENCH_PIPELINE_EVENTS: '10000', BENCH_KAFKA_MESSAGES: '20000', BENCH_ES_BULK_DOCS: '20000', BENCH_ES_AGG_DOCS: '100000', BENCH_ES_SLUICE_DOCS: '5000',
    BENCH_INGEST_EVENTS: '10000', BENCH_INGEST_LOAD_SECONDS: '3', BENCH_REPORT_PER_MINUTE: '20', BENCH_ROLLUP_EVENTS: '20000', BENCH_PEER_EVENTS: '5000', BENCH_DEMO_EVENTS: '20000',
  });
}
const { benchPipeline } = await import('./pipeline.js');
const { benchBatchValidation, benchKafka } = await import('./kafka.js');
const { benchElasticsearch } = await import('./elasticsearch.js');
const { benchReport } = await import('./report.js');
const { benchApi } = await import('./api.js');
const { benchIngest } = await import('./ingest.js');
const { benchPeers } = await import('./peers.js');
const { benchDemo } = await import('./demo.js');
const { benchSecurity } = await import('./security.js');
const { limitOf } = await import('./limits.js');

function sample(section: string, name: string, value: number, unit: string, baseline?: { name: string; value: number }, goal?: string): Sample {
  const limit = limitOf(section, name);
  return { section, name, value, unit, ...(baseline === undefined ? {} : { baseline }), ...(goal === undefined ? {} : { goal }), ...(limit === undefined ? {} : { limit }) };
}

async function oneRun(): Promise<Sample[]> {
  const samples: Sample[] = [];
  const pipeline = await benchPipeline();
  const parseBaseline = pipeline[0];
  for (const row of pipeline.slice(1)) {
    samples.push(sample('pipelines, one core', row.name, row.name.startsWith('+') ? row.microsecondsPerEvent : row.eventsPerSecond, row.name.startsWith('+') ? 'µs/event' : 'events/s', row.name.startsWith('+') || parseBaseline === undefined ? undefined : { name: parseBaseline.name, value: parseBaseline.eventsPerSecond }, row.name.startsWith('whole pipeline: decode') ? '≥ 100,000 events/s' : row.name.startsWith('+ security') ? '≤ 3 µs/event' : undefined));
  }
  for (const row of await benchSecurity()) samples.push(sample('security stage (OWASP CRS)', row.name, row.value, row.unit, row.baselineName === undefined || row.baseline === undefined ? undefined : { name: row.baselineName, value: row.baseline }, row.goal));
  const kafka = await benchKafka();
  const echo = kafka[0];
  for (const row of kafka.slice(1)) {
    samples.push(sample('Kafka emulator', `${row.name}, 1 KiB messages`, row.messagesPerSecond, 'messages/s', echo === undefined ? undefined : { name: echo.name, value: echo.messagesPerSecond }));
    if (row.messagesPerCpuSecond !== undefined) samples.push(sample('Kafka emulator', `${row.name}: messages per CPU-second of the emulator`, row.messagesPerCpuSecond, 'messages'));
    if (row.clientMicrosecondsPerMessage !== undefined) samples.push(sample('Kafka emulator', `${row.name}: kafkajs's own CPU per message (the client process)`, row.clientMicrosecondsPerMessage, 'µs'));
  }
  for (const row of [...benchBatchValidation().map((row) => ({ ...row, section: 'Kafka emulator' })), ...(await benchElasticsearch()).map((row) => ({ ...row, section: 'Elasticsearch emulator' })), ...(await benchReport()).map((row) => ({ ...row, section: 'rollups and report' })), ...(await benchApi()).map((row) => ({ ...row, section: 'API' }))]) {
    samples.push(sample(row.section, row.name, row.value, row.unit, { name: row.baselineName, value: row.baseline }, 'goal' in row ? row.goal : undefined));
  }
  for (const row of await benchIngest()) samples.push(sample('ingest end to end', row.name, row.value, row.unit, row.baseline, row.goal));
  for (const row of await benchPeers()) samples.push(sample('against rsyslog', row.name, row.value, row.unit, row.baseline, row.goal));
  for (const row of await benchDemo()) samples.push(sample('local mode demo', row.name, row.value, row.unit, row.baseline, row.goal));
  return samples;
}

const all: Sample[][] = [];
for (let run = 1; run <= runs; run += 1) {
  process.stderr.write(`bench: run ${run} of ${runs}\n`);
  all.push(await oneRun());
}
const results = summarise(all, quick);
const written = publish(results);
process.stdout.write(markdown(results));
process.stderr.write(`bench: wrote ${written.json} and ${written.md}${quick ? '' : ' and the README table'}\n`);
