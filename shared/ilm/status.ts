import type { Client } from '@elastic/elasticsearch';
import { formatByteSize } from '../byte-size.js';

/** One backing index of a data stream, or one of Sluice's plain indices (rollups, reports), as `sluice ilm status` shows it. */
export interface IndexStatus {
  /** null for a plain index. */
  dataStream: string | null;
  index: string;
  writeIndex: boolean;
  policy: string | null;
  phase: string | null;
  action: string | null;
  step: string | null;
  age: string | null;
  docs: number;
  sizeBytes: number;
  error: string | null;
}

/** The plain indices Sluice writes by id (ilm/index-templates without a data stream). */
const PLAIN_INDICES = 'sluice-rollups-*,sluice-reports-*';

/** Every data stream's backing indices, then Sluice's plain indices, with lifecycle phase, age, size, documents and any ILM step error. */
export async function ilmStatus(es: Client): Promise<IndexStatus[]> {
  const { data_streams: dataStreams } = await es.indices.getDataStream({ name: '*', expand_wildcards: 'all' });
  const plain = Object.keys(await es.indices.get({ index: PLAIN_INDICES, ignore_unavailable: true, allow_no_indices: true })).sort();
  const streams: { name: string | null; indices: { index_name: string }[] }[] = [...dataStreams, ...plain.map((index) => ({ name: null, indices: [{ index_name: index }] }))];
  const names = streams.flatMap((stream) => stream.indices.map((index) => index.index_name));
  if (names.length === 0) return [];
  const explained = (await es.ilm.explainLifecycle({ index: names.join(',') })).indices as unknown as Record<string, Record<string, unknown>>;
  const cat = await es.cat.indices({ index: names.join(','), format: 'json', bytes: 'b', expand_wildcards: 'all', h: 'index,docs.count,store.size' });
  const sizes = new Map(cat.map((row) => [String(row.index), { docs: Number(row['docs.count'] ?? 0), bytes: Number(row['store.size'] ?? 0) }]));
  return streams.flatMap((stream) =>
    stream.indices.map((backing, position) => {
      const explain = explained[backing.index_name] ?? {};
      const text = (key: string): string | null => (typeof explain[key] === 'string' ? (explain[key] as string) : null);
      const stepInfo = explain.step_info as { reason?: string; type?: string } | undefined;
      return {
        dataStream: stream.name,
        index: backing.index_name,
        writeIndex: stream.name !== null && position === stream.indices.length - 1,
        policy: text('policy'),
        phase: text('phase'),
        action: text('action'),
        step: text('step'),
        age: text('age'),
        docs: sizes.get(backing.index_name)?.docs ?? 0,
        sizeBytes: sizes.get(backing.index_name)?.bytes ?? 0,
        error: text('step') === 'ERROR' ? (stepInfo?.reason ?? stepInfo?.type ?? 'ILM step failed') : null,
      };
    }),
  );
}

/** The status as an aligned text table, one line per backing index, the write index marked with `*`. */
export function statusTable(rows: IndexStatus[]): string {
  const header = ['DATA STREAM', 'INDEX', 'POLICY', 'PHASE', 'ACTION', 'AGE', 'DOCS', 'SIZE', 'ERROR'];
  const body = rows.map((row) => [row.dataStream ?? '-', `${row.index}${row.writeIndex ? ' *' : ''}`, row.policy ?? '-', row.phase ?? '-', row.action ?? '-', row.age ?? '-', String(row.docs), formatByteSize(row.sizeBytes), row.error ?? '']);
  const table = [header, ...body];
  const widths = header.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  return `${table.map((line) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}
