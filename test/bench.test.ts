import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Results } from '../bench/results.js';
import { packageRoot } from '../shared/paths.js';
import { run } from './support/process.js';

describe('npm run bench -- --quick (the smoke run CI does)', () => {
  it('runs every benchmark, rsyslog beside Sluice included, and writes its table; it asserts no threshold', async () => {
    const result = await run(process.execPath, [join(packageRoot, 'dist', 'bench', 'run.js'), '--quick'], { timeoutMs: 900_000 });
    expect(result.code, result.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(packageRoot, 'bench', 'results', 'quick.json'), 'utf8')) as Results;
    expect(results).toMatchObject({ quick: true, runs: 1, machine: { cores: expect.any(Number) as number, node: process.version } });
    expect(new Set(results.figures.map((figure) => figure.section))).toEqual(new Set(['pipelines, one core', 'Kafka emulator', 'Elasticsearch emulator', 'rollups and report', 'API', 'ingest end to end', 'against rsyslog', 'local mode demo', 'security stage (OWASP CRS)']));
    for (const figure of results.figures) expect(Number.isFinite(figure.median), figure.name).toBe(true);
    // The "Done when": every figure says what limits it.
    for (const figure of results.figures) expect(figure.limit, `${figure.section}: ${figure.name}`).toMatch(/\w/);
    const peers = results.figures.filter((figure) => figure.section === 'against rsyslog').map((figure) => figure.name);
    expect(peers.some((name) => name.startsWith('rsyslog:'))).toBe(true);
    expect(peers.some((name) => name.startsWith('Sluice, full pipeline, one member:'))).toBe(true);
    // The longer pair: rsyslog and the full pipeline on four times the lines, and the CPU per event between the runs.
    expect(peers.some((name) => /^rsyslog:.*Traefik lines, events per CPU-second of its own$/.test(name))).toBe(true);
    expect(peers.some((name) => /^Sluice, full pipeline, one member: .*Traefik lines, events per CPU-second of its own$/.test(name))).toBe(true);
    expect(peers.some((name) => name.startsWith('Sluice, full pipeline, one member: CPU per event past the first'))).toBe(true);
    // Every Sluice figure against rsyslog carries rsyslog's figure of the same run as its baseline.
    for (const figure of results.figures.filter((each) => each.name.startsWith('Sluice,'))) expect(figure.baseline?.name, figure.name).toBe('rsyslog');
    // The latency at a fixed load: over the whole run and with the load's first seconds left out.
    const ingest = results.figures.filter((figure) => figure.section === 'ingest end to end').map((figure) => figure.name);
    expect(ingest.some((name) => name.startsWith('produce → acknowledged by Elasticsearch p99'))).toBe(true);
    expect(ingest.some((name) => name.startsWith('produce → acknowledged p99 after the first'))).toBe(true);
    expect(ingest.some((name) => name.startsWith('the worker, per CPU-second of its own, after the first fifth'))).toBe(true);
    // A backlog drained with nothing producing, beside the sustained run that shares the cores with the producer.
    expect(ingest.some((name) => name.startsWith('from a backlog:'))).toBe(true);
    expect(ingest.some((name) => name.startsWith('the worker draining that backlog'))).toBe(true);
    // The CRS figures: cost per kind of request, then its regression tests and false positives as rates.
    const security = results.figures.filter((figure) => figure.section === 'security stage (OWASP CRS)').map((figure) => figure.name);
    expect(security.some((name) => name.startsWith('attack from the labelled corpus'))).toBe(true);
    expect(security.some((name) => name.startsWith('the same attack again'))).toBe(true);
    expect(security.some((name) => name.startsWith('CRS regression tests passed, paranoia level 2'))).toBe(true);
    const table = readFileSync(join(packageRoot, 'bench', 'results', 'quick.md'), 'utf8');
    expect(table).toContain('| section | figure | median (min–max) | baseline, same run | ratio | goal | what limits it |');
    expect(result.stdout).toBe(table);
  }, 900_000);
});
