import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, sluiceProcess } from './process.js';

/**
 * The local mode's demo as a newcomer gets it: `sluice start` on an empty data directory (the emulators on
 * their threads, ingest, rollups, detectors, API), backfilling a month of BENCH_DEMO_EVENTS events through
 * Kafka and the pipeline. Timed from the demo's own log lines: produced, all indexed, report issued. The
 * baseline is the produce phase of the same run (the generator and kafkajs into the Kafka emulator).
 */

/**
 * A little over a million asked: the generated volume lands within a fraction of a percent of what is asked
 * (997 687 lines for a million, seed 1, a 30-day month), and the goal is for at least a million.
 */
const EVENTS = Number(process.env.BENCH_DEMO_EVENTS ?? 1_006_000);

export interface DemoRow {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  goal?: string;
}

interface DemoLine {
  msg?: string;
  seconds?: number;
  produced?: number;
}

export async function benchDemo(): Promise<DemoRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-demo-'));
  const env = { SLUICE_DATA_DIR: dataDir, SLUICE_DEMO_EVENTS: String(EVENTS), SLUICE_DEMO_RATE: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', SLUICE_API_PORT: String(await freePort()), SLUICE_INGEST_METRICS_PORT: String(await freePort()), SLUICE_DETECT_METRICS_PORT: String(await freePort()), SLUICE_ROLLUP_METRICS_PORT: String(await freePort()) };
  const child = sluiceProcess(['start'], { env, stdout: 'pipe' });
  const output = child.stdout;
  if (output === null) throw new Error('sluice start: no stdout to read');
  const lines: DemoLine[] = [];
  const done = new Promise<void>((resolve, reject) => {
    createInterface({ input: output }).on('line', (text) => {
      if (!text.startsWith('{') || !text.includes('"service":"demo"')) return;
      const line = JSON.parse(text) as DemoLine;
      lines.push(line);
      if (line.msg?.includes('rolled up, scanned by the detectors and reported')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`sluice start exited (${code}) before the demo month was reported`)));
  });
  try {
    await done;
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const seconds = (fragment: string) => lines.find((line) => line.msg?.includes(fragment))?.seconds ?? Number.NaN;
  const produced = seconds('produced; waiting for ingest');
  const indexed = produced + seconds('is indexed; rolling it up');
  const reported = indexed + seconds('rolled up, scanned by the detectors and reported');
  const events = lines.find((line) => line.produced !== undefined)?.produced ?? EVENTS;
  const million = events >= 1_000_000;
  const baseline = { name: 'the same month produced into Kafka, in the same run', value: produced };
  return [
    { name: `demo month of ${events.toLocaleString('en-US')} events through Kafka and the pipeline: all indexed, from the start of the backfill`, value: indexed, unit: 's', baseline, goal: million ? '< 120 s' : undefined },
    { name: `demo month of ${events.toLocaleString('en-US')} events: its SLA report issued, from the start of the backfill`, value: reported, unit: 's', baseline },
    { name: 'demo month: events per second, produced to indexed', value: events / indexed, unit: 'events/s', baseline: { name: 'the same month produced into Kafka, in the same run', value: events / produced }, goal: million ? '≥ 8,500 events/s' : undefined },
  ];
}
