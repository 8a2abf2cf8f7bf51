import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { AggregatorRegistry, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { withHugePageMalloc } from '../../shared/malloc.js';
import { startHealthServer, type Readiness } from '../health.js';
import { portInUse } from '../startup.js';
import type { IngestService } from './service.js';
import { MEMBER_KILL_MARGIN_MS, SHUTDOWN_GRACE_MS } from './shutdown.js';

/**
 * `sluice ingest` with SLUICE_INGEST_WORKERS > 1: that many members of the consumer group, each a child
 * process running the single-member worker (`sluice ingest --member`), so that one machine uses all its
 * cores. Child processes rather than worker threads: kafkajs, the pipelines and the bulk indexer are
 * single-threaded JavaScript with module-level state, a process gives each member its own heap and garbage
 * collector, and a member that crashes or is killed takes no other with it. Kafka's consumer group shares
 * the partitions among them exactly as among workers on several machines, with the same commit rule, so the
 * no-loss, no-duplicate guarantee is unchanged. This process only supervises: it restarts a member that
 * dies (not one that exits 2, refusing its configuration: then all stop), serves /metrics (the members' metrics added up, with prom-client's aggregator), /healthz and
 * /readyz (ready when every member is), and passes SIGTERM on for a graceful stop of all.
 */

type Reply = { id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] } | { id: number; readiness: Readiness };
type Request = { id: number; ask: 'metrics' | 'readiness' };

const ASK_TIMEOUT_MS = 2000;
const RESTART_DELAY_MS = 1000;
/** Sluice's exit code for a usage or configuration error (bin/cli.ts): starting such a member again would fail the same way. */
const EXIT_USAGE = 2;

interface Member {
  index: number;
  child: ChildProcess;
  waiting: Map<number, (reply: Reply | undefined) => void>;
}

/** How to start a member: the sluice script, and the configuration file the supervisor was given (`--config`), if any. */
export interface MemberCommand {
  script: string;
  configFile: string | undefined;
}

let lastRequestId = 0;

/** A question to a member over IPC; undefined when it does not answer within ASK_TIMEOUT_MS or is gone. */
function ask(member: Member, what: Request['ask']): Promise<Reply | undefined> {
  return new Promise((resolve) => {
    const id = (lastRequestId += 1);
    const timer = setTimeout(() => {
      member.waiting.delete(id);
      resolve(undefined);
    }, ASK_TIMEOUT_MS);
    member.waiting.set(id, (reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
    if (!member.child.connected || !member.child.send({ id, ask: what } satisfies Request)) member.waiting.get(id)?.(undefined);
  });
}

/** /metrics of the supervisor: the members' metrics added up, with prom-client's aggregator. */
function aggregatedMetrics(members: readonly Member[]): Pick<Registry, 'contentType' | 'metrics'> {
  return {
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    metrics: async (): Promise<string> => {
      const replies = await Promise.all(members.map((member) => ask(member, 'metrics')));
      const sets = replies.flatMap((reply) => (reply !== undefined && 'metrics' in reply ? [reply.metrics] : []));
      return AggregatorRegistry.aggregate(sets).metrics();
    },
  };
}

/**
 * A member asked to stop (SIGTERM). It stops by itself within its deadline and grace (service.ts); one that cannot
 * (its process stopped or wedged) is killed a little after, so that the supervisor's stop ends too.
 */
function stopMember(child: ChildProcess, config: Config, logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => {
      logger.error({ member: child.pid }, 'ingest member did not stop after the shutdown deadline and its grace; killing it');
      child.kill('SIGKILL');
    }, config.ingest.shutdownTimeoutMs + SHUTDOWN_GRACE_MS + MEMBER_KILL_MARGIN_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startIngestMembers(config: Config, logger: Logger, command: MemberCommand): Promise<{ close(): Promise<void>; stopped: Promise<Error | undefined> }> {
  const members: Member[] = [];
  let closing = false;
  let stop: (error: Error) => void = () => undefined;
  const stopped = new Promise<Error>((resolve) => (stop = resolve));

  const spawnMember = (index: number): Member => {
    // The environment is inherited (malloc's huge pages added: shared/malloc.ts); a file given with --config is
    // passed on, so every member reads the same settings.
    const child = fork(command.script, [...(command.configFile === undefined ? [] : ['--config', command.configFile]), 'ingest', '--member'], { stdio: 'inherit', env: withHugePageMalloc(process.env) });
    const member: Member = { index, child, waiting: new Map() };
    child.on('message', (reply: Reply) => {
      member.waiting.get(reply.id)?.(reply);
      member.waiting.delete(reply.id);
    });
    child.on('exit', (code, signal) => {
      for (const resolve of member.waiting.values()) resolve(undefined);
      member.waiting.clear();
      if (closing) return;
      if (code === EXIT_USAGE) {
        logger.error({ member: index, code }, 'ingest member refused its configuration; stopping all members');
        stop(new Error(`ingest member ${index} exited with code ${EXIT_USAGE}: a usage or configuration error, which a restart would repeat`));
        return;
      }
      logger.error({ member: index, code, signal }, 'ingest member stopped; starting it again');
      setTimeout(() => {
        if (!closing) members[index] = spawnMember(index);
      }, RESTART_DELAY_MS).unref();
    });
    return member;
  };

  let readiness: Readiness = { ready: false, details: { members: `0 of ${config.ingest.workers} ready` } };
  const refreshReadiness = async (): Promise<void> => {
    const replies = await Promise.all(members.map((member) => ask(member, 'readiness')));
    const ready = replies.filter((reply) => reply !== undefined && 'readiness' in reply && reply.readiness.ready).length;
    readiness = { ready: ready === members.length, details: { members: `${ready} of ${members.length} ready` } };
  };
  const poll = setInterval(() => void refreshReadiness(), 1000);
  poll.unref();

  const health = await startHealthServer(config.ingest.metrics.host, config.ingest.metrics.port, aggregatedMetrics(members), () => readiness).catch((error: unknown) => {
    throw portInUse(error, 'set SLUICE_INGEST_METRICS_PORT to a free port');
  });
  logger.info({ metrics: health.url }, 'ingest metrics listening');
  // Forked once the listener is up, so that a port in use stops the start before any member exists.
  for (let index = 0; index < config.ingest.workers; index += 1) members.push(spawnMember(index));
  logger.info({ members: config.ingest.workers }, 'ingest members started, one process each');

  return {
    stopped,
    async close(): Promise<void> {
      closing = true;
      clearInterval(poll);
      await Promise.all(members.map(({ child }) => stopMember(child, config, logger)));
      await health.close();
    },
  };
}

/**
 * The member's side, from its very start: it stops gracefully when the supervisor is gone (killed without passing the
 * signal on), still starting or already serving, so that no member is left on its own. A member whose start waited
 * for Kafka or Elasticsearch outlived its killed supervisor before.
 */
export function stopWithSupervisor(): void {
  // Started by hand, with no channel to a supervisor, there is nothing to watch.
  if (process.send === undefined) return;
  if (!process.connected) process.kill(process.pid, 'SIGTERM');
  else process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

/** The member's side once started: answers the supervisor's questions over IPC. */
export function serveSupervisor(service: IngestService): void {
  process.on('message', (request: Request) => {
    const answer = (reply: Reply): void => {
      if (process.connected) process.send?.(reply);
    };
    if (request.ask === 'readiness') answer({ id: request.id, readiness: service.readiness() });
    else void service.registry.getMetricsAsJSON().then((metrics) => answer({ id: request.id, metrics }));
  });
}
