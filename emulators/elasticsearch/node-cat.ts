import * as os from 'node:os';
import { formatByteSize } from '../../shared/byte-size.js';
import type { NodeReadings } from './node-figures.js';
import type { Index } from './store.js';

/** The Lucene version the emulated Elasticsearch version ships with, as `GET /` and segments report it. */
export const EMULATED_LUCENE_VERSION = '10.2.2';

/** The node as the `_cat` APIs name it. */
export interface CatNode {
  id: string;
  host: string;
  ip: string;
  node: string;
}

/**
 * `_cat/thread_pool`: the pools operators watch, as one node of this many cores sizes them (ThreadPool's defaults).
 * The emulator has no such pools (Node's one thread runs every request), so none is ever active, queued or rejected.
 */
export function threadPoolRows(node: CatNode & { pid: number; port: number }): Array<Record<string, string>> {
  const cores = os.availableParallelism();
  const fixed = (name: string, size: number, queue: number): [string, string, number, number] => [name, 'fixed', size, queue];
  const scaling = (name: string, max: number): [string, string, number, number] => [name, 'scaling', max, -1];
  const pools = [
    fixed('analyze', 1, 16),
    scaling('flush', Math.min(5, Math.floor((cores + 1) / 2))),
    fixed('force_merge', 1, -1),
    scaling('generic', Math.max(128, 4 * cores)),
    fixed('get', cores, 1000),
    scaling('management', Math.min(5, cores)),
    scaling('refresh', Math.min(10, Math.floor((cores + 1) / 2))),
    fixed('search', Math.floor((cores * 3) / 2) + 1, 1000),
    scaling('snapshot', Math.min(5, Math.floor((cores + 1) / 2))),
    scaling('warmer', Math.min(5, Math.floor((cores + 1) / 2))),
    fixed('write', cores, 10000),
  ];
  // A scaling pool keeps one thread at least (generic four) and lets idle ones go after 5 minutes (generic 30 s); a
  // fixed pool has no keep-alive. An unbounded queue shows -1, as RestThreadPoolAction shows it.
  return pools.map(([name, type, size, queue]) => ({
    node_name: node.node, node_id: node.id, pid: String(node.pid), host: node.host, ip: node.ip, port: String(node.port),
    name, type, active: '0', size: String(size), queue: '0', queue_size: String(queue), rejected: '0', largest: '0', completed: '0',
    min: type === 'fixed' ? String(size) : name === 'generic' ? '4' : '1', max: String(size), keep_alive: type === 'fixed' ? '' : name === 'generic' ? '30s' : '5m',
  }));
}

/** `_cat/allocation`: the one node's shards (every primary; no replica is ever assigned) and its disk. */
export function allocationRows(node: CatNode, indices: Index[], disk: { total: number; available: number }, bytes: (size: number) => string): Array<Record<string, string>> {
  const used = disk.total - disk.available;
  const indexBytes = indices.reduce((sum, index) => sum + index.bytes, 0);
  const unassigned = indices.reduce((sum, index) => sum + index.replicas, 0);
  const row = {
    shards: String(indices.length), 'shards.undesired': '0', 'write_load.forecast': '0.0', 'disk.indices.forecast': bytes(indexBytes), 'disk.indices': bytes(indexBytes),
    'disk.used': bytes(used), 'disk.avail': bytes(disk.available), 'disk.total': bytes(disk.total), 'disk.percent': String(Math.round((100 * used) / Math.max(1, disk.total))),
    host: node.host, ip: node.ip, node: node.node, 'node.role': 'dim',
  };
  const blank = Object.fromEntries(Object.keys(row).map((key) => [key, '']));
  return unassigned === 0 ? [row] : [row, { ...blank, shards: String(unassigned), node: 'UNASSIGNED' }];
}

/** The powers of 1024 that `_cat`'s `bytes` parameter names, in lower case only (RestTable.renderValue); another value keeps the human form. */
const BYTE_UNITS: Record<string, number> = { b: 0, k: 1, kb: 1, m: 2, mb: 2, g: 3, gb: 3, t: 4, tb: 4, p: 5, pb: 5 };

/** A byte size as a `_cat` column shows it: whole units of `bytes=` (truncated, as ByteSizeValue.getKb and the rest), else `84b`, `1.2kb`. */
export function sizeIn(unit: string | undefined): (size: number) => string {
  const power = unit === undefined || !Object.hasOwn(BYTE_UNITS, unit) ? undefined : BYTE_UNITS[unit];
  return (size) => (power === undefined ? formatByteSize(size) : String(Math.floor(size / 1024 ** power)));
}

/**
 * `_cat/nodes`' row of the one node, with the columns RestNodesAction shows by default (cat-columns.ts) and the ones
 * operators ask by `h` (id, pid, port, version, uptime, heap, ram, disk, file descriptors).
 */
export function nodeRow(node: CatNode & { pid: number; port: number; httpAddress: string; version: string; fullId: boolean }, readings: NodeReadings, bytes: (size: number) => string): Record<string, string> {
  const percent = (part: number, whole: number): string => String(whole > 0 ? Math.round((100 * part) / whole) : 0);
  const [one = 0, five = 0, fifteen = 0] = os.loadavg();
  const diskUsed = readings.disk.total - readings.disk.available;
  return {
    id: node.fullId ? node.id : node.id.slice(0, 4), pid: String(node.pid), ip: node.ip, port: String(node.port), http_address: node.httpAddress, version: node.version,
    'heap.current': bytes(readings.heap.used), 'heap.percent': percent(readings.heap.used, readings.heap.max), 'heap.max': bytes(readings.heap.max),
    'ram.current': bytes(readings.ram.used), 'ram.percent': percent(readings.ram.used, readings.ram.total), 'ram.max': bytes(readings.ram.total),
    'file_desc.current': String(readings.fileDescriptors.open), 'file_desc.percent': percent(readings.fileDescriptors.open, readings.fileDescriptors.max), 'file_desc.max': String(readings.fileDescriptors.max),
    'disk.total': bytes(readings.disk.total), 'disk.used': bytes(diskUsed), 'disk.avail': bytes(readings.disk.available), 'disk.used_percent': readings.disk.total > 0 ? ((100 * diskUsed) / readings.disk.total).toFixed(2) : '',
    cpu: String(readings.cpuPercent), load_1m: one.toFixed(2), load_5m: five.toFixed(2), load_15m: fifteen.toFixed(2), uptime: formatTimeValue(readings.uptimeMs),
    'node.role': 'dim', master: '*', name: node.node,
  };
}

const TIME_UNITS: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];

/** A duration as TimeValue.toString writes it: the largest unit it reaches, one decimal truncated, `.0` dropped (`5.2m`, `1h`, `0s`). */
export function formatTimeValue(ms: number): string {
  if (ms <= 0) return '0s';
  const [suffix, size] = TIME_UNITS.find(([, unit]) => ms >= unit) ?? ['ms', 1];
  const tenths = Math.floor((ms / size) * 10);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}${suffix}`;
}
