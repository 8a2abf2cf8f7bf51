import { benchElasticsearch, type EsRow } from './elasticsearch.js';
import { benchIngest, type IngestRow } from './ingest.js';
import { benchBatchValidation, benchKafka, type Row } from './kafka.js';
import { benchPipeline, type StageRow } from './pipeline.js';
import { benchReport } from './report.js';
import { benchApi } from './api.js';

/** `npm run bench`: every benchmark, each reported next to the baseline measured in the same run. */
function print(title: string, rows: Row[]): void {
  const [baseline] = rows;
  console.log(`\n${title}`);
  console.log('| run | messages/s | MiB/s | vs baseline | emulator: messages per CPU-second |');
  console.log('|---|---:|---:|---:|---:|');
  for (const entry of rows) {
    const ratio = baseline === undefined ? 1 : entry.messagesPerSecond / baseline.messagesPerSecond;
    const perCpu = entry.messagesPerCpuSecond === undefined ? '–' : Math.round(entry.messagesPerCpuSecond).toLocaleString('en-US');
    console.log(`| ${entry.name} | ${Math.round(entry.messagesPerSecond).toLocaleString('en-US')} | ${entry.mibPerSecond.toFixed(1)} | ${ratio.toFixed(2)} | ${perCpu} |`);
  }
}

function printStages(title: string, rows: StageRow[]): void {
  const [baseline] = rows;
  console.log(`\n${title}`);
  console.log('| stage | events/s | µs per event | vs baseline |');
  console.log('|---|---:|---:|---:|');
  for (const row of rows) {
    const ratio = baseline === undefined ? 1 : row.eventsPerSecond / baseline.eventsPerSecond;
    console.log(`| ${row.name} | ${row.name.startsWith('+') ? '–' : Math.round(row.eventsPerSecond).toLocaleString('en-US')} | ${row.microsecondsPerEvent.toFixed(2)} | ${row.name.startsWith('+') ? '–' : ratio.toFixed(2)} |`);
  }
}

printStages('Pipelines, one core, realistic mix with 2 % attacks', await benchPipeline());
print('Kafka emulator, 1 KiB messages, kafkajs, loopback', await benchKafka());

function printEs(title: string, rows: EsRow[]): void {
  console.log(`\n${title}`);
  console.log('| run | value | baseline (same run) | value / baseline |');
  console.log('|---|---:|---|---:|');
  for (const row of rows) {
    const value = row.unit === 'ms' ? `${row.value.toFixed(0)} ms` : `${Math.round(row.value).toLocaleString('en-US')} ${row.unit}`;
    const baseline = row.unit === 'ms' ? `${row.baseline.toFixed(0)} ms` : `${Math.round(row.baseline).toLocaleString('en-US')} ${row.unit}`;
    console.log(`| ${row.name} | ${value} | ${row.baselineName}: ${baseline} | ${(row.value / row.baseline).toFixed(2)} |`);
  }
}

printEs('Kafka emulator: validating a produced batch (one core)', benchBatchValidation());
printEs('Elasticsearch emulator', await benchElasticsearch());
printEs('SLI rollups and the monthly report (on the Elasticsearch emulator)', await benchReport());
printEs('API', await benchApi());

function printIngest(title: string, rows: IngestRow[]): void {
  console.log(`\n${title}`);
  console.log('| run | value | goal |');
  console.log('|---|---:|---|');
  for (const row of rows) console.log(`| ${row.name} | ${row.value} | ${row.goal} |`);
}

printIngest('Ingest end to end (Kafka emulator → sluice ingest → Elasticsearch emulator, each its own process)', await benchIngest());
