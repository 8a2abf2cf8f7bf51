import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { pipelineDocuments } from './support/pipeline.js';
import { templatedEmulator } from './support/rollups.js';

/**
 * The JSON records of the system's log daemons: what journalctl, syslog-ng and rsyslog wrote themselves, and real
 * machines' journal entries from Filebeat's journald tests (test/fixtures/system-logs, its SOURCE.md says which is
 * which). The expected values are read off the records and the datagrams they were made from.
 */

const DIR = join(packageRoot, 'test', 'fixtures', 'system-logs');
const RECEIVED = Date.parse('2026-12-06T10:00:00Z');

const documents = (records: string[]): Array<Record<string, any>> => pipelineDocuments(records, { received: RECEIVED, topic: 'logs-hosts' });

const lines = (file: string): string[] => readFileSync(join(DIR, file), 'utf8').split('\n').filter((line) => line !== '');
const whole = (file: string): string => JSON.stringify(JSON.parse(readFileSync(join(DIR, file), 'utf8')));

/** The three datagrams as every daemon should give them: sshd's failed login, sudo's command, systemd's start. */
function expectTheDatagrams([sshd, sudo, systemd]: Array<Record<string, any>>): void {
  expect(sshd).toMatchObject({
    message: 'Failed password for invalid user admin from 203.0.113.7 port 52214 ssh2',
    host: { hostname: 'web-1' },
    process: { name: 'sshd', pid: 812 },
    log: { level: 'informational', syslog: { priority: 38, facility: { code: 4, name: 'auth' }, severity: { code: 6, name: 'informational' } } },
    event: { action: 'ssh_login', category: ['authentication'], outcome: 'failure' },
    user: { name: 'admin' },
    source: { ip: '203.0.113.7', port: 52214 },
  });
  expect(sudo).toMatchObject({
    '@timestamp': '2026-12-06T09:41:05.000Z',
    process: { name: 'sudo', working_directory: '/home/deploy' },
    user: { name: 'deploy', effective: { name: 'root' } },
    log: { syslog: { priority: 86, facility: { code: 10, name: 'authpriv' } } },
    rendiff: { sudo: { command: '/usr/bin/systemctl restart rendiff-api' } },
  });
  expect(systemd).toMatchObject({
    '@timestamp': '2026-12-06T09:41:07.000Z',
    message: 'Started rendiff-worker.service - Rendiff worker.',
    process: { name: 'systemd', pid: 1 },
    log: { syslog: { priority: 30, facility: { name: 'daemon' } } },
  });
}

describe('journald entries, as journalctl -o json prints them', () => {
  it('the time journald stored, the host and process, the severity and facility, the units; the cursor and clocks left out', () => {
    const [sshd, started, worker] = documents(lines('journalctl-entries.json'));
    expect(sshd).toMatchObject({
      '@timestamp': '2026-12-06T09:41:02.123Z',
      host: { hostname: 'web-1', id: 'a91b2f5ed4f74e2f8e1e1f0c3c9a4d11' },
      process: { name: 'sshd', pid: 812, executable: '/usr/sbin/sshd', command_line: 'sshd: admin [priv]', user: { id: '0' }, group: { id: '0' } },
      log: { level: 'informational', syslog: { priority: 38, facility: { code: 4, name: 'auth' }, severity: { code: 6 } } },
      event: { outcome: 'failure' },
      source: { ip: '203.0.113.7' },
      user: { name: 'admin' },
      rendiff: { systemd: { unit: 'ssh.service', slice: 'system.slice', cgroup: '/system.slice/ssh.service', transport: 'syslog' }, journald: { host: { boot_id: '6c7c6013a26343b29e964691ff25d04c' } } },
    });
    expect(Object.keys(sshd?.rendiff ?? {}).filter((key) => key.startsWith('_'))).toEqual([]);
    expect(started).toMatchObject({ '@timestamp': '2026-12-06T09:41:07.000Z', process: { name: 'systemd', pid: 1 }, rendiff: { journald: { unit: 'rendiff-worker.service', message_id: '39f53479d3a045ac8e11786248231fbf' } } });
    // A service's standard output: the journal's severity is the level; its stream id, which ECS has no place for, kept.
    expect(worker).toMatchObject({ message: 'ffmpeg exited with code 1 for job 8f14e45f', log: { level: 'error' }, process: { name: 'rendiff-worker', pid: 4242 }, rendiff: { _STREAM_ID: '4c5b0ae1e2e94c3c9f2d0c8a7e0f5a6b' } });
  });

  it('real machines’ entries: a severity without a facility, and a message journalctl printed as its bytes', () => {
    const [sample, pulseaudio] = documents([whole('filebeat-journald-sample.json'), whole('filebeat-journald-binary-message.json')]);
    expect(sample).toMatchObject({
      '@timestamp': '2024-08-19T15:20:55.230Z',
      message: 'Count: 0000000001',
      host: { hostname: 'millennium-falcon', id: '851f339d77174301b29e417ecb2ec6a8' },
      process: { name: 'TestRestartsJournalctlOnError', pid: 235728, executable: '/usr/bin/cat' },
      log: { level: 'informational', syslog: { severity: { code: 6 } } },
      rendiff: { systemd: { unit: 'session-2.scope', session: '2', owner_uid: '1000' }, journald: { audit: { login_uid: '1000' }, process: { name: 'cat' } } },
    });
    expect(sample?.log.syslog.priority).toBeUndefined();
    expect(sample?.log.syslog.facility).toBeUndefined();
    expect(pulseaudio).toMatchObject({
      '@timestamp': '2024-07-01T18:42:46.807Z',
      message: 'Unable to parse indicator of AT+BIA command: AT+BIA=1,1,0,0,0\rAT+BCS=2',
      log: { level: 'error' },
      rendiff: { systemd: { user_unit: 'pulseaudio.service' }, journald: { code: { file: '../pulseaudio/src/modules/bluetooth/backend-native.c', line: '658' } } },
    });
  });

  it('any field printed as bytes is text; a field journald holds twice is kept as its list', () => {
    const [entry] = documents([JSON.stringify({ __REALTIME_TIMESTAMP: '1796550062123456', _HOSTNAME: 'web-1', MESSAGE: 'x', COREDUMP_COMM: [107, 100, 101], _SYSTEMD_UNIT: ['a.service', 'b.service'] })]);
    expect(entry?.rendiff).toMatchObject({ COREDUMP_COMM: 'kde', _SYSTEMD_UNIT: ['a.service', 'b.service'] });
    expect(entry?.rendiff.systemd).toBeUndefined();
  });
});

describe('syslog-ng’s format-json', () => {
  it('each scope: the BSD DATE in the latest year not after arrival, or ISODATE; PRIORITY and FACILITY by name; _SDATA', () => {
    for (const file of ['syslog-ng-rfc3164.json', 'syslog-ng-rfc5424-nv-pairs.json', 'syslog-ng-selected-macros.json', 'syslog-ng-isodate.json']) {
      const read = documents(lines(file));
      expect(read[0]?.['@timestamp'], file).toBe('2026-12-06T09:41:02.000Z');
      expectTheDatagrams(read);
    }
    const [sshd] = documents(lines('syslog-ng-rfc5424-nv-pairs.json'));
    expect(sshd?.log.syslog.structured_data).toEqual({ origin: { ip: '10.0.0.9' } });
    expect(sshd?.rendiff).toMatchObject({ SOURCE: 's_net', HOST_FROM: 'localhost' });
    expect(documents(lines('syslog-ng-selected-macros.json'))[0]?.rendiff).toMatchObject({ SOURCEIP: '127.0.0.1', TAGS: '.source.s_net' });
  });

  it('its Kafka destination’s default text template is read as syslog', () => {
    const read = documents(lines('syslog-ng-default-template.log'));
    expect(read.map((document) => [document['@timestamp'], document.host?.hostname, document.process?.name, document.process?.pid])).toEqual([
      ['2026-12-06T09:41:02.000Z', 'web-1', 'sshd', 812],
      ['2026-12-06T09:41:05.000Z', 'web-1', 'sudo', undefined],
      ['2026-12-06T09:41:07.000Z', 'web-1', 'systemd', 1],
    ]);
    expect(read[0]).toMatchObject({ event: { outcome: 'failure' }, source: { ip: '203.0.113.7' } });
  });
});

describe('rsyslog’s JSON', () => {
  it('%jsonmesg%: timereported, numeric facility and severity, the structured data parsed, the text after the tag', () => {
    const read = documents(lines('rsyslog-jsonmesg.json'));
    expectTheDatagrams(read);
    expect(read[0]).toMatchObject({ '@timestamp': '2026-12-06T09:41:02.123Z', log: { syslog: { version: '1', procid: '812', structured_data: { origin: { ip: '10.0.0.9' } } } } });
    expect(read[0]?.log.syslog.msgid).toBeUndefined();
    expect(read[1]?.message).toBe('deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart rendiff-api');
    // What rsyslog adds of its own is kept; its nulls are not.
    expect(read[2]?.rendiff).toMatchObject({ syslogtag: 'systemd[1]:', inputname: 'imudp', 'fromhost-ip': '127.0.0.1' });
    expect(Object.keys(read[2]?.rendiff ?? {})).not.toContain('uuid');
  });

  it('the list template of its Elasticsearch recipes', () => {
    const read = documents(lines('rsyslog-template.json'));
    expectTheDatagrams(read);
    expect(read[0]?.['@timestamp']).toBe('2026-12-06T09:41:02.123Z');
  });
});

/** The three datagrams of test/fixtures/system-logs/SOURCE.md. */
const DATAGRAMS = [
  '<38>1 2026-12-06T09:41:02.123456+00:00 web-1 sshd 812 - [origin ip="10.0.0.9"] Failed password for invalid user admin from 203.0.113.7 port 52214 ssh2',
  '<86>Dec  6 09:41:05 web-1 sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart rendiff-api',
  '<30>Dec  6 09:41:07 web-1 systemd[1]: Started rendiff-worker.service - Rendiff worker.',
];

/** Fluent Bit's syslog parsers (conf/parsers.conf, Apache-2.0), whose named groups are the record's fields (Time_Keep On). */
const FLUENT_BIT_PARSERS = [
  /^<(?<pri>[0-9]{1,5})>1 (?<time>[^ ]+) (?<host>[^ ]+) (?<ident>[^ ]+) (?<pid>[-0-9]+) (?<msgid>[^ ]+) (?<extradata>(\[(.*)\]|-)) (?<message>.+)$/,
  /^<(?<pri>[0-9]+)>(?<time>[^ ]* {1,2}[^ ]* [^ ]*) (?<host>[^ ]*) (?<ident>[a-zA-Z0-9_/.-]*)(?:\[(?<pid>[0-9]+)\])?(?:[^:]*:)? *(?<message>.*)$/,
];

function fluentBitRecord(datagram: string): Record<string, string> {
  for (const parser of FLUENT_BIT_PARSERS) {
    const groups = parser.exec(datagram)?.groups;
    if (groups !== undefined) return Object.fromEntries(Object.entries(groups).filter(([, value]) => value !== undefined)) as Record<string, string>;
  }
  throw new Error(`no parser matches ${datagram}`);
}

describe('Vector’s and Fluent Bit’s syslog records', () => {
  it('Vector’s syslog source: syslog_loose’s fields, severity and facility by name, a numeric procid', () => {
    // As its syslog codec writes them (lib/codecs/src/decoding/format/syslog.rs), with the source's own host fields;
    // records written for Sluice from that source: Vector is not packaged for Debian.
    const common = { source_type: 'syslog', host: '127.0.0.1', source_ip: '127.0.0.1', hostname: 'web-1' };
    const read = documents([
      { ...common, message: 'Failed password for invalid user admin from 203.0.113.7 port 52214 ssh2', timestamp: '2026-12-06T09:41:02.123456Z', severity: 'info', facility: 'auth', version: 1, appname: 'sshd', procid: 812, origin: { ip: '10.0.0.9' } },
      { ...common, message: '  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart rendiff-api', timestamp: '2026-12-06T09:41:05Z', severity: 'info', facility: 'authpriv', appname: 'sudo' },
      { ...common, message: 'Started rendiff-worker.service - Rendiff worker.', timestamp: '2026-12-06T09:41:07Z', severity: 'info', facility: 'daemon', appname: 'systemd', procid: 1 },
    ].map((record) => JSON.stringify(record)));
    expectTheDatagrams(read);
    expect(read[0]).toMatchObject({ '@timestamp': '2026-12-06T09:41:02.123Z', log: { syslog: { version: '1' } }, rendiff: { origin: { ip: '10.0.0.9' }, source_ip: '127.0.0.1' } });
  });

  it('Fluent Bit’s syslog parsers: the time kept as written (BSD or RFC 5424) or its Kafka output’s @timestamp, pri, extradata', () => {
    const records = DATAGRAMS.map(fluentBitRecord);
    expect(records[1]).toEqual({ pri: '86', time: 'Dec  6 09:41:05', host: 'web-1', ident: 'sudo', message: 'deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart rendiff-api' });
    const read = documents(records.map((record) => JSON.stringify(record)));
    expectTheDatagrams(read);
    expect(read[0]).toMatchObject({ '@timestamp': '2026-12-06T09:41:02.123Z', log: { syslog: { structured_data: { origin: { ip: '10.0.0.9' } } } } });
    // Its Kafka output adds the record's time as a double of seconds under @timestamp (Timestamp_Key, Timestamp_Format double).
    const [stamped] = documents([JSON.stringify({ '@timestamp': 1796550062.5, ...records[0] })]);
    expect(stamped?.['@timestamp']).toBe('2026-12-06T09:41:02.500Z');
  });
});

describe('in Elasticsearch', () => {
  const es = templatedEmulator();

  it('every record of every daemon is indexed under ilm/’s templates, and found by its unit, host and outcome', async () => {
    const files = ['journalctl-entries.json', 'syslog-ng-rfc3164.json', 'syslog-ng-rfc5424-nv-pairs.json', 'syslog-ng-selected-macros.json', 'syslog-ng-isodate.json', 'rsyslog-jsonmesg.json', 'rsyslog-template.json'];
    const indexed = [...files.flatMap((file) => documents(lines(file))), ...documents([whole('filebeat-journald-sample.json'), whole('filebeat-journald-binary-message.json')])];
    const result = await es().bulk({ refresh: true, operations: indexed.flatMap((document) => [{ create: { _index: 'logs-sluice.generic-prod' } }, document]) });
    expect(result.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    const count = async (query: object) => (await es().count({ index: 'logs-sluice.generic-prod', query })).count;
    expect(await count({ term: { 'rendiff.systemd.unit': 'ssh.service' } })).toBe(1);
    // The failed login of each of the six files that carry the datagrams as records, and journald's.
    expect(await count({ bool: { filter: [{ term: { 'event.outcome': 'failure' } }, { term: { 'source.ip': '203.0.113.7' } }] } })).toBe(7);
    expect(await count({ term: { 'host.hostname': 'millennium-falcon' } })).toBe(2);
  });
});
