import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import * as os from 'node:os';

/**
 * The figures of the emulator's process and machine that node stats report (`os`, `process`, `jvm`, `fs`), read
 * from Node and the kernel: exporters turn them into gauges people alert on (disk free, heap used), so a made-up
 * zero would be read as an empty disk or a machine without memory. Where a figure cannot be read, Elasticsearch's
 * own answer for an unknown figure, -1, is given.
 */
/** What `_cat/nodes` shows of the node's figures. */
export interface NodeReadings {
  heap: { used: number; max: number };
  ram: { used: number; total: number };
  disk: { total: number; available: number };
  fileDescriptors: { open: number; max: number };
  cpuPercent: number;
  uptimeMs: number;
}

export class NodeFigures {
  private lastCpu = process.cpuUsage();
  private lastWall = performance.now();
  private lastMachine = machineCpuTimes();

  constructor(private readonly dataPath: string) {}

  os(): Record<string, unknown> {
    const total = os.totalmem();
    const free = os.freemem();
    const [one, five, fifteen] = os.loadavg();
    return {
      timestamp: Date.now(),
      cpu: { percent: this.machineCpuPercent(), load_average: { '1m': one, '5m': five, '15m': fifteen } },
      mem: { total_in_bytes: total, free_in_bytes: free, used_in_bytes: total - free, free_percent: Math.round((100 * free) / total), used_percent: Math.round((100 * (total - free)) / total) },
    };
  }

  /** The machine's busy share of its CPUs since the last call, as Elasticsearch's OsProbe reports it. */
  private machineCpuPercent(): number {
    const now = machineCpuTimes();
    const total = now.total - this.lastMachine.total;
    const idle = now.idle - this.lastMachine.idle;
    this.lastMachine = now;
    return total > 0 ? Math.round((100 * (total - idle)) / total) : 0;
  }

  /** The process's CPU share since the last call, as Elasticsearch's ProcessProbe reports it. */
  process(): Record<string, unknown> {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const usedMs = (cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / 1000;
    const percent = wall > this.lastWall ? Math.round((100 * usedMs) / (wall - this.lastWall)) : 0;
    this.lastCpu = cpu;
    this.lastWall = wall;
    return {
      timestamp: Date.now(),
      open_file_descriptors: openFileDescriptors(),
      max_file_descriptors: maxFileDescriptors(),
      cpu: { percent, total_in_millis: Math.round((cpu.user + cpu.system) / 1000) },
      mem: { total_virtual_in_bytes: process.memoryUsage().rss },
    };
  }

  /** Node's heap stands for the JVM's. */
  jvm(): Record<string, unknown> {
    const memory = process.memoryUsage();
    return {
      timestamp: Date.now(),
      uptime_in_millis: Math.round(process.uptime() * 1000),
      mem: { heap_used_in_bytes: memory.heapUsed, heap_used_percent: Math.round((100 * memory.heapUsed) / memory.heapTotal), heap_committed_in_bytes: memory.heapTotal, heap_max_in_bytes: memory.heapTotal, non_heap_used_in_bytes: memory.external, non_heap_committed_in_bytes: memory.external },
    };
  }

  readings(): NodeReadings {
    const memory = process.memoryUsage();
    const total = os.totalmem();
    return {
      heap: { used: memory.heapUsed, max: memory.heapTotal },
      ram: { used: total - os.freemem(), total },
      disk: this.disk(),
      fileDescriptors: { open: openFileDescriptors(), max: maxFileDescriptors() },
      cpuPercent: this.machineCpuPercent(),
      uptimeMs: Math.round(process.uptime() * 1000),
    };
  }

  /** The file system that holds the data directory (the temporary directory's in memory mode). */
  disk(): { total: number; free: number; available: number } {
    const stats = statfsSync(this.dataPath);
    return { total: stats.blocks * stats.bsize, free: stats.bfree * stats.bsize, available: stats.bavail * stats.bsize };
  }

  fs(): Record<string, unknown> {
    const { total, free, available } = this.disk();
    const totals = { total_in_bytes: total, free_in_bytes: free, available_in_bytes: available };
    return { timestamp: Date.now(), total: totals, data: [{ path: this.dataPath, mount: this.dataPath, type: 'unknown', ...totals }] };
  }
}

function machineCpuTimes(): { total: number; idle: number } {
  let total = 0;
  let idle = 0;
  for (const cpu of os.cpus()) {
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq + cpu.times.idle;
    idle += cpu.times.idle;
  }
  return { total, idle };
}

function openFileDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function maxFileDescriptors(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((each) => each.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? -1 : Number(soft);
  } catch {
    return -1;
  }
}
