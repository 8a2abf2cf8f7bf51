import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Client } from '@elastic/elasticsearch';
import { resolve } from 'node:path';
import type { FsyncPolicy } from '../emulators/common/record-file.js';
import { ConfigError, DEMO_EVENTS, describeConfig, loadConfig, type Config, type LoadOptions } from '../shared/config.js';
import { applyIlm, type Change } from '../shared/ilm/apply.js';
import { IlmFileError, loadIlmFiles, withSettings } from '../shared/ilm/files.js';
import { ilmStatus, statusTable } from '../shared/ilm/status.js';
import { createLogger, serviceLogger } from '../shared/logging.js';
import { SOURCES, type Source } from '../pipelines/types.js';
import { topicNameProblem } from '../shared/kafka-topic.js';
import { credentialSettings, credentialsRefusal } from '../shared/elasticsearch-errors.js';
import { isKafkaUnreachable } from '../shared/kafka-errors.js';
import { packageVersion } from '../shared/paths.js';
import { StartAborted, StartupError } from '../services/startup.js';
import { parseTimeValue } from '../shared/time-value.js';
import { SloFileError } from '../shared/slo.js';
import { holdYoungGeneration, limitInlining, pauseOptimisingCompiler } from '../shared/heap.js';

/** Exit codes: 0 done, 1 failure at run time, 2 a usage mistake (bad verb, option or setting) or a verb not built yet. */
const EXIT_USAGE = 2;


// ---- option parsers: reject bad values before any work starts -------------------------------

function portOption(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError('expected an integer TCP port from 1 to 65535.');
  return port;
}

function monthOption(value: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(value);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw new InvalidArgumentError('expected a month as YYYY-MM, such as 2026-10.');
  return value;
}

/** A day or a time; without an offset it is UTC, as Elasticsearch reads it (JavaScript would take the machine's zone). */
function instantOption(value: string): string {
  const match = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  const utc = match?.[1] !== undefined && match[2] === undefined ? `${value}Z` : value;
  if (!match || Number.isNaN(Date.parse(utc))) {
    throw new InvalidArgumentError('expected an ISO-8601 date or time, such as 2026-10-01 or 2026-10-01T00:00:00Z (UTC without an offset).');
  }
  return utc;
}

function positiveIntegerOption(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || !Number.isSafeInteger(number)) throw new InvalidArgumentError('expected a positive integer.');
  return number;
}

/** `--sasl-user` and `--user` (`name:password`), repeatable: the users of an emulator with authentication on. */
function userOption(value: string, users: Record<string, string> | undefined): Record<string, string> {
  const colon = value.indexOf(':');
  if (colon < 1 || colon === value.length - 1) throw new InvalidArgumentError('expected name:password, such as sluice:secret.');
  return { ...users, [value.slice(0, colon)]: value.slice(colon + 1) };
}

function nonNegativeIntegerOption(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) throw new InvalidArgumentError('expected an integer, 0 or more.');
  return number;
}

function namespaceOption(value: string): string {
  if (!/^[a-z0-9][a-z0-9_.]*$/.test(value) || value.length > 100) throw new InvalidArgumentError('expected a data stream namespace: lower-case letters, digits, "_" and ".", no "-".');
  return value;
}

function topicOption(value: string): string {
  const problem = topicNameProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`${problem}.`);
  return value;
}

/** A time value as Elasticsearch writes it (`500ms`, `1s`, `10m`, `1d`), in ms. */
function durationOption(value: string): number {
  const ms = parseTimeValue(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 500ms, 1s, 10m or 1d.');
  return ms;
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean). */
function progressBar(label: string): ((done: number, total: number) => void) | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} days${done === total ? '\n' : ''}`);
  };
}

// ---- verbs ------------------------------------------------------------------------------------

interface ElasticsearchCommandOptions {
  port: number;
  host: string;
  dataDir?: string;
  fsync: FsyncPolicy;
  ilmPollInterval: number;
  user?: Record<string, string>;
}

interface KafkaCommandOptions {
  port: number;
  host: string;
  advertisedHost?: string;
  dataDir?: string;
  fsync: FsyncPolicy;
  partitions: number;
  maxMessageBytes: number;
  retentionBytes: number;
  initialRebalanceDelay: number;
  saslUser?: Record<string, string>;
}

/** `ilm apply`'s report: one line per policy or template, what changed, and a summary. */
function describeChanges(changes: Change[], dryRun: boolean): string {
  const verb = (action: Change['action']): string => (dryRun && action !== 'unchanged' ? `would be ${action}` : action);
  const lines = changes.map((change) => `${change.kind} ${change.name}: ${verb(change.action)}${change.changes.map((line) => `\n    ${line}`).join('')}`);
  const count = (action: Change['action']): number => changes.filter((change) => change.action === action).length;
  lines.push(`ilm apply${dryRun ? ' (dry run)' : ''}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged`);
  return `${lines.join('\n')}\n`;
}

/**
 * Set by the service verbs: once their outcome is decided, whatever a client library left behind (a
 * reconnect timer, a keep-alive socket) must not keep the process alive. One-shot verbs that write much
 * (`process`) are never cut short: their output may still be draining into a slow pipe.
 */
let exitPromptly = false;

interface Running {
  close(): Promise<void>;
  stopped?: Promise<Error | undefined>;
}

/**
 * Starts a service and serves until SIGINT or SIGTERM (or until it stops by itself), then closes it cleanly
 * (data flushed). The signals are heard from the start on: Ctrl-C while the start still waits for
 * Elasticsearch or Kafka ends the start, closes what it opened, and exits 0 too.
 */
async function serve(start: (signal: AbortSignal) => Promise<Running>): Promise<void> {
  exitPromptly = true;
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let server: Running;
  try {
    server = await start(interrupt.signal);
  } catch (error) {
    if (interrupt.signal.aborted || error instanceof StartAborted) return;
    throw error;
  }
  const failure = await new Promise<Error | undefined>((resolveSignal) => {
    if (interrupt.signal.aborted) resolveSignal(undefined);
    interrupt.signal.addEventListener('abort', () => resolveSignal(undefined), { once: true });
    void server.stopped?.then(resolveSignal);
  });
  await server.close();
  if (failure !== undefined) throw failure;
}

/**
 * Runs `use` with an Elasticsearch client, closed after it whatever happens: the client is loaded only by the
 * verbs that talk to Elasticsearch (its modules cost a start a quarter of a second).
 */
async function withElasticsearch<T>(config: Config, use: (es: Client) => Promise<T>): Promise<T> {
  const { elasticsearchClient } = await import('../shared/elasticsearch.js');
  const es = elasticsearchClient(config);
  try {
    return await use(es);
  } finally {
    await es.close();
  }
}

/**
 * A verb's --from/--to: undefined for neither (the verb then runs as a service), the range for both; one alone,
 * or a range that ends before it starts, stops the verb with its error.
 */
function onceRange(options: { from?: string; to?: string }, command: Command): { from: number; to: number } | undefined {
  if (options.from === undefined && options.to === undefined) return undefined;
  if (options.from === undefined || options.to === undefined) command.error('error: --from and --to go together: give both, or neither to run continuously.');
  const from = Date.parse(options.from);
  const to = Date.parse(options.to);
  if (from >= to) command.error(`error: --from (${options.from}) must be before --to (${options.to}).`);
  return { from, to };
}

interface GlobalOptions {
  config?: string;
}

/** The lifecycle files of ilm/ with the settings that change them: a policy whose phases run out of order is a configuration error. */
function lifecycleProblems(config: Config): string[] {
  try {
    withSettings(loadIlmFiles(), config.ilm);
    return [];
  } catch (error) {
    if (error instanceof IlmFileError) return [...error.problems];
    throw error;
  }
}

function configFor(command: Command, load: Omit<LoadOptions, 'file' | 'checks'> = {}): Config {
  const { config } = command.optsWithGlobals<GlobalOptions>();
  return loadConfig(process.env, { ...load, file: config, checks: [lifecycleProblems] });
}

function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Sluice: Kafka log streams → enriched ECS documents in Elasticsearch, metrics, SLOs and monthly SLA reports.')
    .version(packageVersion, '-V, --version')
    .option('-c, --config <file>', 'configuration file (YAML or JSON mapping of setting names to values); also SLUICE_CONFIG_FILE')
    .showHelpAfterError('(run "sluice --help" to list the verbs, "sluice VERB --help" for the options of one)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({
      // The root lists every verb a user can run (emulate kafka, ilm apply, …), one line each.
      visibleCommands: (command) => (command.parent ? [...command.commands] : leafCommands(command)),
      // -c/--config applies to every verb: each verb's help shows it.
      showGlobalOptions: true,
      subcommandTerm: (command) => fullName(command).replace(/^sluice /, ''),
      helpWidth: 100,
    });

  addStartCommand(program);
  addIngestCommand(program);
  addRollupCommand(program);
  addDetectCommand(program);
  addApiCommand(program);
  addEmulateCommands(program);
  addProcessCommand(program);
  addIlmCommands(program);
  addReportCommand(program);
  addDemoCommand(program);
  addAlertsCommands(program);
  addMaintenanceCommands(program);

  // Every subcommand shares the program's error handling and exit codes.
  for (const command of allCommands(program)) command.exitOverride().showHelpAfterError(`(run "${fullName(command)} --help" for its options)`);
  return program;
}

/** `sluice start`: everything at once (the local mode). */
function addStartCommand(program: Command): void {
  program
    .command('start')
    .description('run everything: the embedded emulators for what is not configured, ingest, the behaviour detectors, the SLI rollups and the API with its page; on an empty data directory the local mode also runs the demo')
    .option('--no-demo', 'no demo, even on an empty data directory (as SLUICE_DEMO=0)')
    .action(async (options: { demo: boolean }, command: Command) => {
      const config = configFor(command, { servesApi: true });
      const logger = createLogger(config.logLevel, config.logFormat);
      const { startLocal } = await import('../services/start.js');
      await serve((signal) => startLocal(config, logger, { signal, demo: options.demo }));
    });
}

/** `sluice ingest`: the consumer group's members. */
function addIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('run the ingest service: Kafka → pipelines → Elasticsearch, as SLUICE_INGEST_WORKERS consumer-group members (default: one per core)')
    .addOption(new Option('--member', 'run as one member started by a multi-member `sluice ingest` (internal)').hideHelp())
    .action(async (options: { member?: boolean }, command: Command) => {
      const config = configFor(command);
      // A process that loads the enrichers (not the supervisor of several members) keeps its young generation small until then.
      if (options.member === true || config.ingest.workers <= 1) {
        holdYoungGeneration();
        pauseOptimisingCompiler();
      }
      const { startIngest } = await import('../services/ingest/service.js');
      const logger = serviceLogger(createLogger(config.logLevel, config.logFormat), 'ingest');
      if (options.member === true) {
        const { serveSupervisor, stopWithSupervisor } = await import('../services/ingest/members.js');
        await serve(async (signal) => {
          stopWithSupervisor();
          const service = await startIngest(config, logger, { signal, healthServer: false });
          serveSupervisor(service);
          return service;
        });
      } else if (config.ingest.workers > 1) {
        const { startIngestMembers } = await import('../services/ingest/members.js');
        await serve(() => startIngestMembers(config, logger, { script: process.argv[1] as string, configFile: command.optsWithGlobals<GlobalOptions>().config }));
      } else await serve((signal) => startIngest(config, logger, { signal }));
    });
}

/** `sluice rollup`: the SLI rollups, the SLO state and the monthly reports. */
function addRollupCommand(program: Command): void {
  program
    .command('rollup')
    .description('run the rollup service (SLI rollups every minute, last month\'s report issued after the grace period), or recompute --from/--to once')
    .option('--from <iso>', 'start of the range (inclusive), ISO-8601 (with --to: once, then exit)', instantOption)
    .option('--to <iso>', 'end of the range (exclusive), ISO-8601', instantOption)
    .action(async (options: { from?: string; to?: string }, command: Command) => {
      const config = configFor(command);
      const range = onceRange(options, command);
      if (range === undefined) {
        const { startRollups } = await import('../services/rollup/rollup-service.js');
        const logger = serviceLogger(createLogger(config.logLevel, config.logFormat), 'rollup');
        await serve(() => startRollups(config, logger));
        return;
      }
      const { from, to } = range;
      const { loadSloFile } = await import('../shared/slo.js');
      const { rollupRange } = await import('../services/rollup/rollups.js');
      const slos = loadSloFile(config.sloFile);
      await withElasticsearch(config, async (es) => {
        if (config.ingest.applyIlm) await applyIlm(es, withSettings(loadIlmFiles(), config.ilm));
        const started = Date.now();
        const result = await rollupRange(es, slos, config.namespace, from, to, { progress: progressBar('rollup') });
        process.stdout.write(`rollup: ${result.documents} rollup documents written for ${new Date(from).toISOString()} to ${new Date(to).toISOString()} in ${((Date.now() - started) / 1000).toFixed(1)} s (${result.indices.join(', ') || 'no index: no data in the range'})\n`);
        process.stdout.write(await issuedMonthsNote(es, config, from, to));
      });
    });
}

/**
 * An issued report keeps its figures when the rollups under it are recomputed: says which months of the range have
 * one, and how to issue a revision from the new rollups (an operator recomputing after late data expects the report to follow).
 */
async function issuedMonthsNote(es: Client, config: Config, from: number, to: number): Promise<string> {
  const { monthsOverlapping } = await import('../services/rollup/report/calendar.js');
  const { issuedReport } = await import('../services/rollup/report/store.js');
  const lines: string[] = [];
  for (const month of monthsOverlapping(from, to, config.reportTimeZone)) {
    const issued = await issuedReport(es, config.namespace, month, config.reportTimeZone);
    if (issued === undefined) continue;
    lines.push(`rollup: ${month}'s report was issued (revision ${issued.header.revision}, ${issued.header.generatedAt}) and keeps its figures; \`sluice report --month ${month} --rebuild --reason "…"\` issues a revision from these rollups\n`);
  }
  return lines.join('');
}

/** `sluice detect`: the behaviour detectors. */
function addDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('run the behaviour detectors (login brute force, 404 scans, floods), or evaluate --from/--to once')
    .option('--from <iso>', 'evaluate the windows that end after this time, ISO-8601 (with --to: once, then exit)', instantOption)
    .option('--to <iso>', 'and no later than this time, ISO-8601', instantOption)
    .action(async (options: { from?: string; to?: string }, command: Command) => {
      const config = configFor(command);
      const logger = serviceLogger(createLogger(config.logLevel, config.logFormat), 'detect');
      const range = onceRange(options, command);
      if (range === undefined) {
        const { startDetection } = await import('../services/rollup/detect-service.js');
        await serve(() => startDetection(config, logger));
        return;
      }
      const { from, to } = range;
      const { detectBehaviour, findingMessage } = await import('../services/rollup/behaviour.js');
      await withElasticsearch(config, async (es) => {
        const result = await detectBehaviour(es, config, from, to);
        const lines = [`detect: ${result.created.length} new finding(s), ${result.existing} already recorded`, ...result.created.map((finding) => `  ${finding.rule.id} ${findingMessage(finding)}`)];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}

/** `sluice api`: the HTTP API, the live tail and the page. */
function addApiCommand(program: Command): void {
  program
    .command('api')
    .description('run the HTTP API: SLO status, report downloads, log search, live tail, the web page and its OpenAPI document')
    .action(async (_options: unknown, command: Command) => {
      const config = configFor(command, { servesApi: true });
      const { startApi } = await import('../services/api/server.js');
      const logger = serviceLogger(createLogger(config.logLevel, config.logFormat), 'api');
      await serve(() => startApi(config, logger));
    });
}

/** `sluice emulate kafka|elasticsearch`. */
function addEmulateCommands(program: Command): void {
  const emulate = program.command('emulate').description('run an emulator alone (development and tests only)');

  emulate
    .command('kafka')
    .description('run the Kafka-protocol broker emulator')
    .option('--port <port>', 'TCP port to listen on', portOption, 9092)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--advertised-host <host>', 'host name given to clients in metadata (default: --host)')
    .option('--data-dir <dir>', 'keep batches and committed offsets in this folder (default: in memory)')
    .addOption(new Option('--fsync <policy>', 'when appended data is forced to disk').choices(['always', 'interval', 'never']).default('interval'))
    .option('--partitions <n>', 'partitions of an automatically created topic', positiveIntegerOption, 3)
    .addOption(new Option('--max-message-bytes <bytes>', 'largest record batch accepted, in bytes').argParser(positiveIntegerOption).default(1024 * 1024, '1048576 (1 MiB)'))
    .addOption(new Option('--retention-bytes <bytes>', 'bytes kept per partition before the oldest segments go').argParser(positiveIntegerOption).default(128 * 1024 * 1024, '134217728 (128 MiB)'))
    .addOption(new Option('--initial-rebalance-delay <duration>', "how long a new group's first rebalance waits for more members (Kafka's group.initial.rebalance.delay.ms is 3s)").argParser(durationOption).default(0, '0 (no wait)'))
    .option('--sasl-user <name:password>', 'a user of a SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512); repeat for more (default: none, PLAINTEXT)', userOption)
    .action(async (options: KafkaCommandOptions, command: Command) => {
      const config = configFor(command);
      // Loaded here, not at the top, so that other verbs do not pay for reading the protocol schemas.
      const { KafkaEmulator } = await import('../emulators/kafka/index.js');
      await serve(() =>
        KafkaEmulator.start({
          port: options.port,
          host: options.host,
          advertisedHost: options.advertisedHost,
          dataDir: options.dataDir === undefined ? undefined : resolve(options.dataDir),
          fsync: options.fsync,
          defaultPartitions: options.partitions,
          maxMessageBytes: options.maxMessageBytes,
          retentionBytes: options.retentionBytes,
          initialRebalanceDelayMs: options.initialRebalanceDelay,
          saslUsers: options.saslUser,
          logger: serviceLogger(createLogger(config.logLevel, config.logFormat), 'emulator'),
        }),
      );
    });

  emulate
    .command('elasticsearch')
    .description('run the Elasticsearch-REST emulator')
    .option('--port <port>', 'HTTP port to listen on', portOption, 9200)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'keep documents, templates and ILM state in this folder (default: in memory)')
    .addOption(new Option('--fsync <policy>', 'when written data is forced to disk').choices(['always', 'interval', 'never']).default('interval'))
    .addOption(new Option('--ilm-poll-interval <duration>', 'how often lifecycle policies run (indices.lifecycle.poll_interval)').argParser(durationOption).default(600_000, '10m'))
    .option('--user <name:password>', 'a user of the file realm: security is then on and every request authenticates (basic or an API key); repeat for more (default: none, security off)', userOption)
    .action(async (options: ElasticsearchCommandOptions, command: Command) => {
      const config = configFor(command);
      // Its bulk path is many small functions too. A fresh emulator on 50 000 Sluice documents, eight alternated
      // pairs: 29.0-32.0 against 30.6-35.6 µs of CPU per document (medians 30.4 and 32.5), lower in all eight.
      limitInlining();
      const { ElasticsearchEmulator } = await import('../emulators/elasticsearch/index.js');
      await serve(() =>
        ElasticsearchEmulator.start({
          port: options.port,
          host: options.host,
          dataDir: options.dataDir === undefined ? undefined : resolve(options.dataDir),
          fsync: options.fsync,
          ilmPollIntervalMs: options.ilmPollInterval,
          users: options.user,
          logger: serviceLogger(createLogger(config.logLevel, config.logFormat), 'emulator'),
        }),
      );
    });
}

/** `sluice process`: the pipelines on standard input. */
function addProcessCommand(program: Command): void {
  program
    .command('process')
    .description('enrich log lines from stdin into ECS documents on stdout (blank lines are skipped)')
    .addOption(new Option('--source <source>', 'force a source pipeline').choices(['auto', ...SOURCES]).default('auto'))
    .option('--topic <topic>', 'route the lines as messages of this Kafka topic (SLUICE_TOPIC_SOURCES, else its name)')
    .action(async (options: { source: 'auto' | Source; topic?: string }, command: Command) => {
      const config = configFor(command);
      const [{ createEnrichers }, { createPipeline }, { processStream }] = await Promise.all([import('../pipelines/enrichers.js'), import('../pipelines/pipeline.js'), import('../pipelines/process-stream.js')]);
      const { enrichers, close } = await createEnrichers(config);
      const pipeline = createPipeline({ namespace: config.namespace, eventNamespaces: config.eventNamespaces, topicSources: config.kafka.topicSources, forcedSource: options.source === 'auto' ? undefined : options.source, enrichers });
      try {
        await processStream(pipeline, process.stdin, process.stdout, process.stderr, options.topic);
      } finally {
        close();
      }
    });
}

/** `sluice ilm apply|status`. */
function addIlmCommands(program: Command): void {
  const ilm = program.command('ilm').description('index lifecycle policies and templates from ilm/');

  ilm
    .command('apply')
    .description('install ILM policies and templates from ilm/ (idempotent)')
    .option('--dry-run', 'report what would change, write nothing')
    .option('--dir <folder>', 'apply the files of another folder laid out like ilm/ (a customised copy)')
    .option('--json', 'JSON instead of lines')
    .action(async (options: { dryRun?: boolean; json?: boolean; dir?: string }, command: Command) => {
      const config = configFor(command);
      const files = withSettings(loadIlmFiles(options.dir === undefined ? undefined : resolve(options.dir)), config.ilm);
      await withElasticsearch(config, async (es) => {
        const changes = await applyIlm(es, files, { dryRun: options.dryRun === true });
        if (options.json === true) process.stdout.write(`${JSON.stringify(changes, null, 2)}\n`);
        else process.stdout.write(describeChanges(changes, options.dryRun === true));
      });
    });

  ilm
    .command('status')
    .description('show data streams, backing indices, phases, ILM errors')
    .option('--json', 'JSON instead of a table')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withElasticsearch(configFor(command), async (es) => {
        const rows = await ilmStatus(es);
        process.stdout.write(options.json === true ? `${JSON.stringify(rows, null, 2)}\n` : rows.length === 0 ? 'no data streams yet\n' : statusTable(rows));
      });
    });
}

/** Why a report holds nothing: no rollups in this namespace, and the namespaces that have some (the local mode's demo). */
async function noDataHint(es: import('@elastic/elasticsearch').Client, namespace: string, month: string, header: { from: string; to: string }): Promise<string> {
  const { namespacesWithRollups } = await import('../services/rollup/rollups.js');
  const others = (await namespacesWithRollups(es, Date.parse(header.from), Date.parse(header.to))).filter((other) => other !== namespace);
  const elsewhere = others.length === 0 ? '' : `; namespace${others.length === 1 ? '' : 's'} ${others.map((other) => `"${other}"`).join(', ')} ha${others.length === 1 ? 's' : 've'} some: SLUICE_NAMESPACE=${others[0]} npx sluice report --month ${month}`;
  return `report: no rollups of ${month} in namespace "${namespace}" (SLUICE_NAMESPACE), so the report holds no data${elsewhere}\n`;
}

/** `sluice report`. */
function addReportCommand(program: Command): void {
  program
    .command('report')
    .description('the monthly SLA report (pdf, html, csv, json): the issued revision when there is one, else built live from the rollups')
    .requiredOption('--month <YYYY-MM>', 'calendar month, bounded in SLUICE_REPORT_TZ', monthOption)
    .addOption(new Option('--format <format>', 'output format').choices(['pdf', 'html', 'csv', 'json']).default('pdf'))
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--rebuild', 'issue a new revision from the rollups as they are now (a finished month only), and output it')
    .option('--reason <text>', 'why the revision is issued (recorded with it)', 'rebuilt on request')
    .option('--live', 'build from the rollups without issuing, even when an issued revision exists')
    .action(async (options: { month: string; format: 'pdf' | 'html' | 'csv' | 'json'; out?: string; rebuild?: boolean; reason: string; live?: boolean }, command: Command) => {
      const config = configFor(command);
      if (options.rebuild && options.live) command.error('error: --rebuild issues a revision and --live issues none: give one of them.');
      if (options.format === 'pdf' && options.out === undefined && process.stdout.isTTY) command.error('error: a PDF is not for a terminal: give --out FILE, or redirect stdout.');
      const { loadSloFile } = await import('../shared/slo.js');
      const { issueReport, issuedReport, ReportNotOverError } = await import('../services/rollup/report/store.js');
      const { generateReport } = await import('../services/rollup/report/generate.js');
      const { renderReport } = await import('../services/rollup/report/render.js');
      const slos = loadSloFile(config.sloFile);
      const { monthBounds } = await import('../services/rollup/report/calendar.js');
      const begins = monthBounds(options.month, config.reportTimeZone).from;
      // A month under way is reported so far (live); one not begun has nothing to report.
      if (Date.now() < begins) command.error(`error: ${options.month} has not begun in ${config.reportTimeZone} (it begins ${new Date(begins).toISOString()}): there is nothing to report yet.`);
      await withElasticsearch(config, async (es) => {
        const tz = config.reportTimeZone;
        const report = options.rebuild
          ? await issueReport(es, slos, config.namespace, options.month, tz, options.reason).catch((error: unknown) => {
              if (error instanceof ReportNotOverError) command.error(`error: ${error.message}.`);
              throw error;
            })
          : ((options.live ? undefined : await issuedReport(es, config.namespace, options.month, tz)) ?? (await generateReport(es, slos, config.namespace, options.month, tz)));
        const body = await renderReport(report, options.format);
        if (options.out === undefined) process.stdout.write(body);
        else {
          const { writeFileSync } = await import('node:fs');
          writeFileSync(options.out, body);
          const state = report.header.issued ? `issued revision ${report.header.revision}` : 'live, not issued';
          process.stderr.write(`report: ${options.month} (${tz}, ${state}) written to ${options.out} as ${options.format}, ${body.length} bytes\n`);
        }
        if (report.header.dataCompleteness.minutesWithData === 0) process.stderr.write(await noDataHint(es, config.namespace, options.month, report.header));
      });
    });
}

/** `sluice demo`. */
function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('produce a realistic month of Filebeat-shaped logs (planted incidents and attacks, seeded) into Kafka, then live traffic')
    .option('--month <YYYY-MM>', 'month to simulate, bounded in SLUICE_REPORT_TZ (default: the previous month)', monthOption)
    .option('--rate <n>', 'live events per second after the month, until Ctrl-C; 0: stop after the month (default: SLUICE_DEMO_RATE, 20)', nonNegativeIntegerOption)
    .option('--events <n>', `events in the month, about (default: SLUICE_DEMO_EVENTS, ${DEMO_EVENTS})`, positiveIntegerOption)
    .option('--seed <n>', 'the same seed gives the same month (default: SLUICE_DEMO_SEED, 1)', positiveIntegerOption)
    .option('--namespace <ns>', 'data_stream.namespace the events ask for (Sluice honours it when in SLUICE_EVENT_NAMESPACES)', namespaceOption, 'demo')
    .option('--brokers <host:port,...>', 'Kafka to produce to (default: KAFKA_BROKERS, else the local mode\'s 127.0.0.1:9092)')
    .action(async (options: { month?: string; rate?: number; events?: number; seed?: number; namespace: string; brokers?: string }, command: Command) => {
      // Validated as KAFKA_BROKERS is, with the same message for a bad value.
      if (options.brokers !== undefined) process.env.KAFKA_BROKERS = options.brokers;
      const config = configFor(command);
      const { runDemoCommand } = await import('../services/demo/command.js');
      const { previousMonth } = await import('../services/rollup/report/calendar.js');
      const interrupt = new AbortController();
      process.once('SIGINT', () => interrupt.abort());
      process.once('SIGTERM', () => interrupt.abort());
      const month = options.month ?? previousMonth(Date.now(), config.reportTimeZone);
      const logger = serviceLogger(createLogger(config.logLevel, config.logFormat), 'demo');
      const result = await runDemoCommand(config, logger, { month, rate: options.rate ?? config.demo.eventsPerSecond, events: options.events ?? config.demo.events, seed: options.seed ?? config.demo.seed, namespace: options.namespace }, process.stdout, interrupt.signal);
      process.stdout.write(`sluice demo: ${result.produced} events of ${month} produced in ${result.seconds.toFixed(1)} s\n`);
    });
}

/** `sluice alerts rules`. */
function addAlertsCommands(program: Command): void {
  const alerts = program.command('alerts').description('SLO alerting');

  alerts
    .command('rules')
    .description('print Prometheus recording and alerting rules (multi-window, multi-burn-rate) generated from the SLO file')
    .action(async (_options: unknown, command: Command) => {
      const config = configFor(command);
      const { loadSloFile } = await import('../shared/slo.js');
      const { alertRules } = await import('../services/rollup/alerts/rules.js');
      process.stdout.write(alertRules(loadSloFile(config.sloFile)));
    });
}

/** `sluice replay-dlq` and `sluice config`. */
function addMaintenanceCommands(program: Command): void {
  program
    .command('replay-dlq')
    .description('send each dead-lettered message back to the topic it came from (its original bytes), so it passes the pipeline again; stops at the end')
    .option('--topic <topic>', 'dead-letter topic to read (default: KAFKA_DLQ_TOPIC)', topicOption)
    .action(async (options: { topic?: string }, command: Command) => {
      const config = configFor(command);
      const { replayDeadLetters } = await import('../services/ingest/replay.js');
      const result = await replayDeadLetters(config, serviceLogger(createLogger(config.logLevel, config.logFormat), 'ingest'), options.topic);
      const lines = [`replay-dlq: ${result.replayed} replayed, ${result.skipped.length} skipped`, ...result.skipped.map((skipped) => `  skipped partition ${skipped.partition} offset ${skipped.offset}: ${skipped.why}`)];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('config')
    .description('validate the configuration; print it with secrets redacted')
    .action((_options: unknown, command: Command) => {
      // Unset settings print as null rather than vanishing, so the output shows every setting.
      const json = JSON.stringify(describeConfig(configFor(command)), (_key, value: unknown) => value ?? null, 2);
      process.stdout.write(`${json}\n`);
    });
}

function leafCommands(command: Command): Command[] {
  return allCommands(command).filter((child) => child.commands.length === 0);
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((child) => [child, ...allCommands(child)]);
}

function fullName(command: Command): string {
  return command.parent ? `${fullName(command.parent)} ${command.name()}` : command.name();
}

/** Runs the CLI and returns the exit code rather than exiting, so that pending output is flushed. */
async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests end in a CommanderError with exit code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ConfigError || error instanceof IlmFileError || error instanceof SloFileError) {
      process.stderr.write(`sluice: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof StartupError) {
      process.stderr.write(`sluice: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof StartAborted) return 0;
    if (isKafkaUnreachable(error)) {
      // kafkajs's message names the address it tried (`connect ECONNREFUSED host:port`).
      process.stderr.write(`sluice: cannot reach Kafka: ${(error as Error).message} (set KAFKA_BROKERS, or start one with: npx sluice emulate kafka)\n`);
      return 1;
    }
    const credentials = credentialsRefusal(error);
    if (credentials !== undefined) {
      process.stderr.write(`sluice: Elasticsearch refused the credentials (${credentialSettings()}): ${credentials}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof Error && error.name === 'ConnectionError') {
      process.stderr.write(`sluice: cannot reach Elasticsearch: ${error.message} (set ELASTICSEARCH_URL, or start one with: npx sluice emulate elasticsearch)\n`);
      return 1;
    }
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const { address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
      process.stderr.write(`sluice: cannot listen on ${address ?? ''}:${port ?? ''}: the port is in use (another Sluice or emulator running? set KAFKA_BROKERS / ELASTICSEARCH_URL to use a running one, or choose another port)\n`);
      return 1;
    }
    process.stderr.write(`sluice: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
// Unreferenced, so a process with nothing left to do exits at once without waiting for it.
if (exitPromptly || process.exitCode !== 0) setTimeout(() => process.exit(), 500).unref();
