import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, freePort, waitFor } from './support/process.js';
import { templatedEmulator } from './support/rollups.js';
import { documentReader, type Doc } from './support/pipeline.js';

/**
 * A real Java service logging through log4j (Debian's ZooKeeper 3.8 with log4j 1.2 behind slf4j) writes each event in
 * four layouts at once: ZooKeeper's own (`%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n`), Apache Kafka's
 * (`[%d] %p %m (%c)%n`, from its config/log4j.properties), the usual `%d{ISO8601} %-5p [%t] %c - %m%n`, and
 * Elasticsearch's plain layout (`[%d{ISO8601}][%-5p][%-25c] %m%n`, the category unabbreviated: log4j 1.2 has no `{1.}`).
 * A second server on the same port fails and logs its exception with the stack trace under it, which the test joins
 * to its event as Filebeat's multiline (`negate: true`, `match: after` on a line that starts with a time) does.
 */
let dir: string;
const LAYOUTS = {
  zookeeper: '%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n',
  kafka: '[%d] %p %m (%c)%n',
  common: '%d{ISO8601} %-5p [%t] %c - %m%n',
  elasticsearch: '[%d{ISO8601}][%-5p][%-25c] %m%n',
} as const;
type Layout = keyof typeof LAYOUTS;
const NAMES = Object.keys(LAYOUTS) as Layout[];

function log4jProperties(): string {
  const lines = [`log4j.rootLogger=INFO, ${NAMES.join(', ')}`];
  for (const name of NAMES) {
    lines.push(`log4j.appender.${name}=org.apache.log4j.FileAppender`, `log4j.appender.${name}.File=${join(dir, `${name}.log`)}`, `log4j.appender.${name}.layout=org.apache.log4j.PatternLayout`, `log4j.appender.${name}.layout.ConversionPattern=${LAYOUTS[name]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The lines of a file as Filebeat's multiline joins them: a line that does not start with a time goes with the one before. */
function events(name: string): string[] {
  const joined: string[] = [];
  for (const line of readFileSync(join(dir, `${name}.log`), 'utf8').split('\n')) {
    if (line === '') continue;
    if (/^\[?\d{4}-\d{2}-\d{2}/.test(line) || joined.length === 0) joined.push(line);
    else joined[joined.length - 1] += `\n${line}`;
  }
  return joined;
}

/**
 * A ZooKeeper server with the given logging jars and settings, until it has written `binding to port` to `logFile`;
 * then a second one on the same port, which logs its BindException and exits.
 */
async function runZooKeeper(name: string, jars: readonly string[], settings: readonly string[], logFile: string): Promise<void> {
  const port = await freePort();
  const classPath = ['zookeeper', ...jars].map((jar) => `/usr/share/java/${jar}.jar`).join(':');
  const java = (data: string) => spawn('java', ['-cp', classPath, '-Duser.timezone=UTC', ...settings, 'org.apache.zookeeper.server.ZooKeeperServerMain', String(port), join(dir, `${name}-${data}`)], { stdio: 'ignore' });
  const server = java('data');
  try {
    await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('binding to port'), 30_000, `ZooKeeper (${name}) to listen`);
    await exited(java('data2'));
  } finally {
    server.kill('SIGTERM');
    await exited(server);
  }
}

/** A file's JSON records, a line each. */
const records = (file: string): string[] => readFileSync(join(dir, file), 'utf8').split('\n').filter((line) => line !== '');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-java-'));
  writeFileSync(join(dir, 'log4j.properties'), log4jProperties());
  await runZooKeeper('log4j', ['slf4j-log4j12', 'log4j-1.2'], [`-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`], join(dir, 'common.log'));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = documentReader({ topic: 'logs-zookeeper' });

describe('a Java service’s log4j layouts, as log4j writes them', () => {
  const es = templatedEmulator();

  it('the four layouts give each event the same time, level, message and error', () => {
    const byLayout = Object.fromEntries(NAMES.map((name) => [name, events(name).map((line) => read(line))])) as Record<Layout, Doc[]>;
    const summary = (document: Doc) => [document['@timestamp'], document.log?.level, document.message, document.error?.type, document.error?.message, document.event.outcome];
    const reference = byLayout.common.map(summary);
    expect(reference.length).toBeGreaterThan(50);
    for (const name of NAMES) expect(byLayout[name].map(summary), name).toEqual(reference);
    // Every event has its level and time: none was kept whole with the time it arrived.
    expect(byLayout.common.every((document) => ['info', 'warn', 'error'].includes(document.log?.level))).toBe(true);
    const started = byLayout.common.find((document) => document.message === 'Starting server');
    expect(started?.log.logger).toBe('org.apache.zookeeper.server.ZooKeeperServerMain');
    expect(byLayout.kafka.find((document) => document.message === 'Starting server')?.log.logger).toBe('org.apache.zookeeper.server.ZooKeeperServerMain');
    expect(byLayout.elasticsearch.find((document) => document.message === 'Starting server')?.log.logger).toBe('org.apache.zookeeper.server.ZooKeeperServerMain');
    // ZooKeeper's layout names the class alone, the thread and the source line.
    const zookeeper = byLayout.zookeeper.find((document) => document.message === 'Starting server');
    expect(zookeeper).toMatchObject({ log: { logger: 'ZooKeeperServerMain' }, process: { thread: { name: 'main' } } });
    expect(zookeeper?.log.origin.file.line).toBeGreaterThan(0);
  });

  it('the second server’s failure: an error with its exception and stack trace; a warning’s throwable too', () => {
    for (const name of NAMES) {
      const documents = events(name).map((line) => read(line));
      const failure = documents.find((document) => document.message === 'Unexpected exception, exiting abnormally');
      expect(failure, name).toMatchObject({ log: { level: 'error' }, message: 'Unexpected exception, exiting abnormally', error: { type: 'java.net.BindException', message: 'Address already in use' }, event: { outcome: 'failure' } });
      expect(failure?.error.stack_trace).toMatch(/^java\.net\.BindException: Address already in use\n\tat /);
      // A warning may carry a throwable too (Debian's ZooKeeper has no Jetty for its admin server): an error, no failure.
      const warning = documents.find((document) => document.log.level === 'warn' && document.error !== undefined);
      expect(warning, name).toMatchObject({ error: { type: 'java.lang.NoClassDefFoundError' } });
      expect(warning?.event.outcome).toBeUndefined();
    }
  });

  it('its documents are indexed under ilm/’s templates', async () => {
    const documents = NAMES.flatMap((name) => events(name).map((line) => read(line)));
    const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const indexed = await es().bulk({ refresh: true, operations });
    expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    expect((await es().count({ index: 'logs-*', query: { term: { 'error.type': 'java.net.BindException' } } })).count).toBe(NAMES.length);
  });
});

/**
 * The same ZooKeeper writing JSON records with the two encoders Java services most ship to Elasticsearch with, each
 * beside a pattern layout of the same events in the same run, so that each record can be held against its line:
 * logstash-logback-encoder 7.2 under logback 1.2 (its caller data on), and log4j2 2.19's JsonLayout (its location
 * on) reached through log4j2's bridge for the log4j 1.2 API, all Debian's.
 */
const PATTERN = '%d{ISO8601} %-5p [%t] %c - %m%n';
const JSON_LOGGERS = [
  {
    name: 'logback',
    title: 'logstash-logback-encoder under logback',
    jars: ['logback-classic', 'logback-core', 'logstash-logback-encoder'],
    config: 'logback.xml',
    setting: 'logback.configurationFile',
    xml: (json: string, text: string) => `<configuration>
  <appender name="json" class="ch.qos.logback.core.FileAppender"><file>${json}</file>
    <encoder class="net.logstash.logback.encoder.LogstashEncoder"><includeCallerData>true</includeCallerData></encoder></appender>
  <appender name="text" class="ch.qos.logback.core.FileAppender"><file>${text}</file><encoder><pattern>${PATTERN}</pattern></encoder></appender>
  <root level="INFO"><appender-ref ref="json"/><appender-ref ref="text"/></root>
</configuration>
`,
  },
  {
    name: 'log4j2',
    title: 'log4j2’s JsonLayout',
    jars: ['slf4j-log4j12', 'log4j-1.2-api', 'log4j-api', 'log4j-core'],
    config: 'log4j2.xml',
    setting: 'log4j2.configurationFile',
    xml: (json: string, text: string) => `<Configuration status="WARN">
  <Appenders>
    <File name="json" fileName="${json}"><JsonLayout compact="true" eventEol="true" locationInfo="true"/></File>
    <File name="text" fileName="${text}"><PatternLayout pattern="${PATTERN}"/></File>
  </Appenders>
  <Loggers><Root level="info"><AppenderRef ref="json"/><AppenderRef ref="text"/></Root></Loggers>
</Configuration>
`,
  },
] as const;

for (const logger of JSON_LOGGERS) {
  describe(`a Java service’s JSON records, as ${logger.title} writes them`, () => {
    const es = templatedEmulator();
    let json: string[];

    beforeAll(async () => {
      writeFileSync(join(dir, logger.config), logger.xml(join(dir, `${logger.name}.json`), join(dir, `${logger.name}.log`)));
      await runZooKeeper(logger.name, logger.jars, [`-D${logger.setting}=${join(dir, logger.config)}`], join(dir, `${logger.name}.json`));
      json = records(`${logger.name}.json`);
    }, 60_000);

    it('each record gives the time, level, logger, thread, message and error of its line in the pattern layout', () => {
      const summary = (document: Doc) => [document['@timestamp'], document.log?.level, document.log?.logger, document.process?.thread?.name, document.message?.trimEnd(), document.error?.type, document.error?.message, document.event.outcome];
      expect(json.length).toBeGreaterThan(50);
      // A text line's trailing blanks are not told from its end (ZooKeeper's banner pads its lines): compared without them.
      // Two threads logging at once may reach the two appenders in turns of their own: the events are compared as a set.
      const summaries = (documents: Doc[]) => documents.map((document) => JSON.stringify(summary(document))).sort();
      expect(summaries(json.map((record) => read(record)))).toEqual(summaries(events(logger.name).map((line) => read(line))));
    });

    it('where in the code, the stack traces as Java prints them with their causes, nothing of the record lost', () => {
      const documents = json.map((record) => read(record));
      const started = documents.find((document) => document.message === 'Starting server');
      expect(started).toMatchObject({ log: { logger: 'org.apache.zookeeper.server.ZooKeeperServerMain', origin: { file: { name: 'ZooKeeperServerMain.java' } } } });
      expect(started?.log.origin.function).toMatch(/runFromConfig$/);
      expect(started?.log.origin.file.line).toBeGreaterThan(0);
      const failure = documents.find((document) => document.message === 'Unexpected exception, exiting abnormally');
      expect(failure).toMatchObject({ log: { level: 'error' }, error: { type: 'java.net.BindException', message: 'Address already in use' }, event: { outcome: 'failure' } });
      expect(failure?.error.stack_trace).toMatch(/^java\.net\.BindException: Address already in use\n\tat /);
      // Debian's ZooKeeper has no Jetty for its admin server: a warning whose throwable has a cause, thrown in a native method.
      const warning = documents.find((document) => document.log.level === 'warn' && document.error !== undefined);
      expect(warning?.error).toMatchObject({ type: 'java.lang.NoClassDefFoundError', message: 'javax/servlet/Servlet' });
      expect(warning?.error.stack_trace).toContain('java.lang.Class.forName0(Native Method)\n');
      expect(warning?.error.stack_trace).toMatch(/\nCaused by: java\.lang\.ClassNotFoundException: javax\.servlet\.Servlet\n(\tat .+\n)+\t\.\.\. \d+ /);
      // Every value the record holds at its top is in the document, in its ECS place or kept beside it; its time as a
      // time (Java's ISO text leaves out a millisecond's trailing zeros: `.85Z`).
      const { '@timestamp': time, ...record } = JSON.parse(json.find((line) => line.includes('"Starting server"')) ?? '{}') as Record<string, unknown>;
      if (time !== undefined) expect(Date.parse(started?.['@timestamp'])).toBe(Date.parse(String(time)));
      const kept = JSON.stringify(started).toLowerCase();
      for (const value of Object.values(record).filter((value) => typeof value !== 'object')) expect(kept).toContain(String(value).toLowerCase());
    });

    it('its documents are indexed under ilm/’s templates', async () => {
      const operations = json.flatMap((record) => {
        const document = read(record);
        return [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document];
      });
      const indexed = await es().bulk({ refresh: true, operations });
      expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
      expect((await es().count({ index: 'logs-*', query: { term: { 'error.type': 'java.net.BindException' } } })).count).toBe(1);
    });
  });
}

describe('Spring Boot’s default console layout (lines of its reference documentation, Logging › Log Format)', () => {
  it('3.x, with the application’s name, and 2.x, whose Tomcat logger holds brackets', () => {
    const current = read('2026-02-19T12:22:37.451Z  INFO 128443 --- [myapp] [           main] o.s.b.d.f.logexample.MyApplication       : Starting MyApplication using Java 25.0.2 with PID 128443 (/opt/apps/myapp.jar started by myuser in /opt/apps/)');
    expect(current).toMatchObject({
      '@timestamp': '2026-02-19T12:22:37.451Z',
      log: { level: 'info', logger: 'o.s.b.d.f.logexample.MyApplication' },
      process: { pid: 128443, thread: { name: 'main' } },
      message: 'Starting MyApplication using Java 25.0.2 with PID 128443 (/opt/apps/myapp.jar started by myuser in /opt/apps/)',
    });
    const older = read('2019-03-05 10:57:51.253  INFO 45469 --- [ost-startStop-1] o.a.c.c.C.[Tomcat].[localhost].[/]       : Initializing Spring embedded WebApplicationContext');
    expect(older).toMatchObject({ '@timestamp': '2019-03-05T10:57:51.253Z', log: { level: 'info', logger: 'o.a.c.c.C.[Tomcat].[localhost].[/]' }, process: { pid: 45469, thread: { name: 'ost-startStop-1' } }, message: 'Initializing Spring embedded WebApplicationContext' });
  });
});
