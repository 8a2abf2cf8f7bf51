import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { withHugePageMalloc } from '../shared/malloc.js';
import { packageRoot } from '../shared/paths.js';

const SLUICE = join(packageRoot, 'dist', 'bin', 'sluice.js');

export interface SluiceProcessOptions {
  /** Options for node itself, before the script (`--max-old-space-size=…`). */
  nodeFlags?: string[];
  env?: Record<string, string>;
  stdout?: 'ignore' | 'pipe';
  stderr?: 'inherit' | 'ignore';
}

/** `sluice …` in a process of its own, started as Sluice's launchers start it (shared/malloc.ts), logging at warn unless `env` says otherwise. */
export function sluiceProcess(args: readonly string[], options: SluiceProcessOptions = {}): ChildProcess {
  return spawn(process.execPath, [...(options.nodeFlags ?? []), SLUICE, ...args], { stdio: ['ignore', options.stdout ?? 'ignore', options.stderr ?? 'inherit'], env: withHugePageMalloc({ ...process.env, LOG_LEVEL: 'warn', ...options.env }) });
}

/** The first of the ports the kernel gives out itself, to outgoing connections and to listen(0): Linux's setting, or its default. */
export function firstEphemeralPort(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 0) return low;
  } catch {
    // Not Linux: its default below.
  }
  return 32_768;
}

/** Lowest port freePort chooses: above the well-known and most registered services' ports. */
const LOWEST_FREE_PORT = 10_000;

/** Whether `port` can be listened on now; 0 asks the kernel for one. The port listened on, or undefined. */
function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(undefined))
      .listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : undefined));
      });
  });
}

/**
 * A TCP port nobody listens on right now, for a process started later to listen on. Chosen below the kernel's
 * ephemeral range: a port from that range (what listen(0) gives) may be taken by any outgoing connection in
 * between, and was (the benchmark's idle worker found its metrics port in use in a CI run). Where that range
 * starts at or below LOWEST_FREE_PORT there is no such room, and the kernel chooses, as before.
 */
export async function freePort(firstEphemeral: number = firstEphemeralPort()): Promise<number> {
  for (let attempt = 0; attempt < 200 && firstEphemeral > LOWEST_FREE_PORT; attempt += 1) {
    const candidate = LOWEST_FREE_PORT + Math.floor(Math.random() * (firstEphemeral - LOWEST_FREE_PORT));
    if (handedOut.has(candidate)) continue;
    const port = await listenOnce(candidate);
    if (port !== undefined) return handOut(port);
  }
  const chosen = await listenOnce(0);
  if (chosen === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return handOut(chosen);
}

/**
 * Ports freePort has given in this process. A port is free when chosen but taken only once its process listens:
 * chosen again meanwhile (the benchmark asks for three at once, for the two emulators and a worker's metrics),
 * two processes are given one port. That is the likeliest way a worker of the benchmark's smoke run found its metrics
 * port in use (2026-12-05; nothing else here picks ports below the ephemeral range): the cause was not caught in the act.
 */
const handedOut = new Set<number>();
function handOut(port: number): number {
  handedOut.add(port);
  return port;
}

/** Waits until something accepts connections on the port (a server started in another process). */
export async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const ready = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}

/**
 * One sample value of a metric from a Prometheus exposition, summed over the label sets that match
 * (the tests read metrics with it too: helpers shared by benchmarks and tests live here, since bench/ is
 * compiled and test/ is not).
 */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A metric of a /metrics endpoint, summed over its label sets; 0 when the endpoint does not answer (yet). */
export async function metricValue(url: string, name: string): Promise<number> {
  return metric(await fetch(`${url}/metrics`).then((response) => response.text(), () => ''), name);
}

/** User + system CPU time of a process, in ms, from /proc (Linux). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * CPU time of a process's threads alive now, in ms to the nanosecond, from the scheduler (`/proc/PID/task/TID/schedstat`,
 * Linux). cpuMs counts in clock ticks of 10 ms: a few of them for the Kafka emulator's side of a consume (8–13 ms for
 * 20 000 messages, 40–43 for 200 000, by hand), so the figure moved by a quarter with one tick, or divided by zero. Threads that
 * ended between two readings are not counted: for a process whose threads live as long as it does (an emulator);
 * cpuMs stays for the rest, which read seconds, and for rsyslog, whose worker threads come and go.
 */
export function threadsCpuMs(pid: number): number {
  let nanoseconds = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended while the list was read.
    }
  }
  return nanoseconds / 1e6;
}
