import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from '../../bench/process.js';
import { packageRoot } from '../../shared/paths.js';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (the emulator under test runs in this process). */
export function run(command: string, args: string[], options: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: options.timeoutMs ?? 30_000, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
    // A program that exits without reading its input (redis-cli given its command as arguments) closes the pipe
    // first: the write's EPIPE is no failure of the run, whose exit status tells.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * Builds one of test/support's Go programs against Debian's Go sources (GOPATH mode, offline), as the Kafka client
 * tests drive Debian's sarama and segmentio/kafka-go. Gives the executable, or the build's error.
 */
export async function buildGoClient(name: string): Promise<{ path: string; error?: string }> {
  const path = join(mkdtempSync(join(tmpdir(), `sluice-${name}-`)), name);
  const source = join(packageRoot, 'test', 'support', `${name}.go`);
  const build = await run('env', ['GO111MODULE=off', 'GOPATH=/usr/share/gocode', `GOCACHE=${join(tmpdir(), 'sluice-go-cache')}`, `PATH=${process.env.PATH}`, 'go', 'build', '-o', path, source], { timeoutMs: 120_000 });
  return build.code === 0 ? { path } : { path, error: build.stderr };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export { freePort };

/** Runs a command (the built `sluice` by default) with a clean environment plus `env`, to its end. */
export function runSluice(args: string[], env: NodeJS.ProcessEnv = {}, command = process.execPath, prefix = [join(packageRoot, 'dist', 'bin', 'sluice.js')]): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(command, [...prefix, ...args], { cwd: packageRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The built `sluice` executable as a child process with only PATH and `env`, its output collected. */
export function spawnSluice(args: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [join(packageRoot, 'dist', 'bin', 'sluice.js'), ...args], { cwd: packageRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

/**
 * One of Prometheus's servers from Debian (`prometheus`, `prometheus-alertmanager`) on a free loopback port, once its
 * `/-/ready` answers; if it never does, the error carries the end of its log.
 */
export async function startPrometheusServer(command: string, args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(command, [...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const stop = async () => {
    server.kill('SIGTERM');
    await exited(server);
  };
  let ready = false;
  const exitedEarly = () => server.exitCode !== null || server.signalCode !== null;
  await waitFor(async () => exitedEarly() || (ready = (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true), 30_000, `${command} ready`).catch(() => undefined);
  if (!ready) {
    await stop();
    throw new Error(`${command} did not become ready${exitedEarly() ? ` (exit ${server.exitCode})` : ''}; its log ends: ${log.slice(-1000)}`);
  }
  return { url, stop };
}

/** How a child process ended, whenever it did. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Stops the servers a test file started (SIGTERM) and waits until each has exited. */
export async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => exited(child)));
}

/** The processes whose parent is `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether something accepts connections on a loopback port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    }).on('error', () => resolve(false));
  });
}
