import { cpus, type as osType, release } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../shared/paths.js';

/** One measured figure of a run: a value and the baseline it is read against, both from the same run. */
export interface Sample {
  section: string;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  goal?: string;
  /** What limits the figure, from the profile (docs/benchmarks.md). */
  limit?: string;
}

/** A figure over every run: median, min and max of the value and of its ratio to the baseline. */
export interface Figure {
  section: string;
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  baseline?: { name: string; median: number };
  ratio?: { median: number; min: number; max: number };
  goal?: string;
  limit?: string;
  runs: number[];
}

export interface Results {
  date: string;
  machine: { cores: number; cpu: string; node: string; os: string };
  runs: number;
  quick: boolean;
  figures: Figure[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Groups the samples of every run by section and name, in the order they were first measured. */
export function summarise(samples: Sample[][], quick: boolean): Results {
  const keys = new Map<string, Sample[]>();
  for (const run of samples) for (const sample of run) keys.set(`${sample.section}\u0000${sample.name}`, [...(keys.get(`${sample.section}\u0000${sample.name}`) ?? []), sample]);
  const figures = [...keys.values()].map((all): Figure => {
    const first = all[0] as Sample;
    const values = all.map((sample) => sample.value);
    const ratios = all.flatMap((sample) => (sample.baseline !== undefined && sample.baseline.value !== 0 ? [sample.value / sample.baseline.value] : []));
    return {
      section: first.section,
      name: first.name,
      unit: first.unit,
      median: median(values),
      min: Math.min(...values),
      max: Math.max(...values),
      ...(first.baseline === undefined ? {} : { baseline: { name: first.baseline.name, median: median(all.map((sample) => sample.baseline?.value ?? Number.NaN)) } }),
      ...(ratios.length === 0 ? {} : { ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } }),
      ...(first.goal === undefined ? {} : { goal: first.goal }),
      ...(first.limit === undefined ? {} : { limit: first.limit }),
      runs: values,
    };
  });
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    machine: { cores: cpu.length, cpu: cpu[0]?.model ?? 'unknown', node: process.version, os: `${osType()} ${release()}` },
    runs: samples.length,
    quick,
    figures,
  };
}

function number(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit === '' ? '' : ` ${unit}`}`;
}

/** The table the README shows: one row a figure, its spread over the runs, its baseline and what limits it. */
export function markdown(results: Results, sections?: readonly string[]): string {
  const { machine } = results;
  const lines = [
    `Measured ${results.date.slice(0, 10)} on ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.os}; median of ${results.runs} run${results.runs === 1 ? '' : 's'} (min–max)${results.quick ? ', quick mode (reduced sizes: smoke check, not figures)' : ''}. Baselines are measured in the same run.`,
    '',
    '| section | figure | median (min–max) | baseline, same run | ratio | goal | what limits it |',
    '|---|---|---:|---|---:|---|---|',
  ];
  for (const figure of results.figures.filter((each) => sections === undefined || sections.includes(each.section))) {
    const spread = results.runs > 1 ? ` (${number(figure.min, '')}–${number(figure.max, '')})` : '';
    const baseline = figure.baseline === undefined ? '–' : `${figure.baseline.name}: ${number(figure.baseline.median, figure.unit)}`;
    const ratio = figure.ratio === undefined ? '–' : `${figure.ratio.median.toFixed(2)}${results.runs > 1 ? ` (${figure.ratio.min.toFixed(2)}–${figure.ratio.max.toFixed(2)})` : ''}`;
    lines.push(`| ${figure.section} | ${figure.name} | ${number(figure.median, figure.unit)}${spread} | ${baseline} | ${ratio} | ${figure.goal ?? ''} | ${figure.limit ?? ''} |`);
  }
  return `${lines.join('\n')}\n`;
}

const BEGIN = '<!-- bench:begin (written by npm run bench) -->';
const END = '<!-- bench:end -->';

/** The sections the README shows (the whole table is bench/results/latest.md): what users choose a pipeline by. */
const README_SECTIONS = ['ingest end to end', 'against rsyslog'] as const;

/** Writes bench/results/latest.json and latest.md, and the README's part between its bench markers (not in quick mode). */
export function publish(results: Results): { json: string; md: string } {
  const dir = join(packageRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = join(dir, results.quick ? 'quick.json' : 'latest.json');
  const md = join(dir, results.quick ? 'quick.md' : 'latest.md');
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  const table = markdown(results);
  writeFileSync(md, table);
  if (!results.quick) {
    const readmePath = join(packageRoot, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const begin = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    if (begin >= 0 && end > begin) writeFileSync(readmePath, `${readme.slice(0, begin + BEGIN.length)}\n${markdown(results, README_SECTIONS)}${readme.slice(end)}`);
  }
  return { json, md };
}
