import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectBehaviour } from '../services/rollup/behaviour.js';
import { loadConfig } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';
import { pipelineDocuments } from './support/pipeline.js';
import { templatedEmulator } from './support/rollups.js';

/**
 * Syslog lines: the examples of RFC 5424 (section 6.5) and RFC 3164 (section 5.4), and real hosts' auth and syslog
 * files from the tests of Filebeat's system module (test/fixtures/filebeat-system, its SOURCE.md). The expected values
 * are read off the lines and the RFCs, and the auth events are categorised as that module's pipeline does.
 */

const DIR = join(packageRoot, 'test', 'fixtures', 'filebeat-system');
const RECEIVED = Date.parse('2026-12-06T08:00:00Z');

function documents(lines: string[], received = RECEIVED): Array<Record<string, any>> {
  return pipelineDocuments(lines, { received, topic: 'logs-syslog' });
}

const lines = (file: string): string[] => readFileSync(join(DIR, file), 'utf8').split('\n').filter((line) => line !== '');

describe('syslog lines to ECS', () => {
  it('RFC 5424’s examples: time, host, app, pid, message id, structured data, facility and severity, the BOM gone', () => {
    const [su, donuts, event, dataOnly] = documents([
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
      "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    ]);
    expect(su).toMatchObject({
      '@timestamp': '2003-10-11T22:14:15.003Z', message: "'su root' failed for lonvick on /dev/pts/8", host: { hostname: 'mymachine.example.com' }, process: { name: 'su' },
      log: { level: 'critical', syslog: { priority: 34, facility: { code: 4, name: 'auth' }, severity: { code: 2, name: 'critical' }, appname: 'su', msgid: 'ID47', version: '1' } },
    });
    expect(su?.log.syslog.procid).toBeUndefined();
    expect(donuts).toMatchObject({ '@timestamp': '2003-08-24T12:14:15.000Z', process: { name: 'myproc', pid: 8710 }, log: { level: 'notice', syslog: { facility: { name: 'local4' } } }, message: "%% It's time to make the do-nuts." });
    expect(event?.log.syslog.structured_data).toEqual({ 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' } });
    expect(event?.message).toBe('An application event log entry...');
    expect(dataOnly?.log.syslog.structured_data).toEqual({ 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' }, 'examplePriority@32473': { class: 'high' } });
    expect(dataOnly?.message).toBeUndefined();
  });

  it('RFC 3164’s BSD lines, with and without a tag: the year is the latest that is not more than a day after arrival', () => {
    const [su, bfg] = documents(["<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", '<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!']);
    expect(su).toMatchObject({ '@timestamp': '2026-10-11T22:14:15.000Z', host: { hostname: 'mymachine' }, process: { name: 'su' }, log: { level: 'critical' } });
    // No tag: the host is not told apart from the message, which keeps the rest of the line.
    expect(bfg).toMatchObject({ '@timestamp': '2026-02-05T17:32:18.000Z', message: '10.0.0.99 Use the BFG!', log: { level: 'notice', syslog: { facility: { name: 'user' } } } });
    const newYear = (line: string, received: string) => documents([line], Date.parse(received))[0]?.['@timestamp'];
    expect(newYear('Dec 31 23:59:59 host app: late', '2027-01-01T00:00:10Z')).toBe('2026-12-31T23:59:59.000Z');
    // After a BSD time any host name is syslog's, macOS's capitalised ones too.
    expect(documents(['Dec 13 11:35:28 Johns-MacBook-Pro kernel[0]: Sandbox: deny'])[0]).toMatchObject({ host: { hostname: 'Johns-MacBook-Pro' }, process: { name: 'kernel', pid: 0 } });
    expect(newYear('Jan  1 00:00:05 host app: early', '2026-12-31T23:59:00Z')).toBe('2027-01-01T00:00:05.000Z');
    // A day that does not exist is not a time: the line keeps its arrival's.
    expect(newYear('Feb 30 10:00:00 host app: no such day', '2026-12-06T08:00:00Z')).toBe('2026-12-06T08:00:00.000Z');
  });

  it('rsyslog’s files with ISO times: offsets read, a time out of range left for the arrival’s, the host and process kept', () => {
    const suse = documents(lines('syslog-suse.log'));
    expect(suse.map((document) => [document['@timestamp'], document.host.hostname, document.process.pid, document.message])).toEqual([
      ['2018-08-14T12:30:02.203Z', 'linux-sqrz', 4179, 'Stopped target Basic System.'],
      ['2018-08-14T12:30:02.203Z', 'linux-sqrz', 4179, 'Stopped target Paths.'],
    ]);
    const [shutdown, thermald, sudo] = documents(lines('syslog-tz-offset.log'));
    // 1986 is before any log Sluice reads (years 2000-2100): the arrival's time, the rest of the line read.
    expect(shutdown).toMatchObject({ '@timestamp': '2026-12-06T08:00:00.000Z', host: { hostname: 'rmbkmonitor04' }, process: { name: 'shutdown', pid: 2649 }, message: 'shutting down for system halt' });
    expect(thermald).toMatchObject({ process: { name: 'thermald' }, message: 'constraint_0_power_limit_uw exceeded.' });
    expect(thermald?.process.pid).toBeUndefined();
    expect(sudo).toMatchObject({ '@timestamp': '2019-06-14T10:40:20.912Z', process: { name: 'sudo' } });
    // A time and text alone: the time read, the text kept.
    expect(documents(['2026-11-22T10:00:00Z Starting server on :8080'])[0]).toMatchObject({ '@timestamp': '2026-11-22T10:00:00.000Z', message: 'Starting server on :8080' });
    // An application's own line of the same shape, a level or a capitalised word where the host would be: its time and
    // text, no host or process taken from its words.
    const own = documents(['2026-11-22T10:00:00.123Z INFO worker: job 42 done', '2026-11-22T10:00:00.123Z Server started: port 8080']);
    expect(own.map((document) => [document['@timestamp'], document.message, document.host, document.process])).toEqual([
      ['2026-11-22T10:00:00.123Z', 'INFO worker: job 42 done', undefined, undefined],
      ['2026-11-22T10:00:00.123Z', 'Server started: port 8080', undefined, undefined],
    ]);
  });

  it('auth logs as Filebeat’s system module reads them: SSH logins with outcome, user and source; sudo; a dropped connection', () => {
    const [publickey, password, invalid, failed, sudo, dropped, sudoCat, refused, groupadd] = documents(lines('auth-test.log'));
    expect(publickey).toMatchObject({
      event: { action: 'ssh_login', category: ['authentication', 'session'], type: ['info'], outcome: 'success' }, user: { name: 'vagrant' }, source: { ip: '10.0.2.2', port: 63673 },
      rendiff: { ssh: { event: 'Accepted', method: 'publickey', signature: 'RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84' } }, process: { name: 'sshd', pid: 3402 }, host: { hostname: 'localhost' },
    });
    expect(password).toMatchObject({ event: { outcome: 'success' }, user: { name: 'vagrant' }, source: { ip: '192.168.33.1', port: 58803 }, rendiff: { ssh: { method: 'password' } } });
    expect(invalid).toMatchObject({ event: { action: 'ssh_login', category: ['authentication'], outcome: 'failure' }, user: { name: 'test' }, source: { ip: '10.0.2.2' } });
    expect(failed).toMatchObject({ '@timestamp': '2026-02-20T08:35:22.000Z', event: { outcome: 'failure' }, user: { name: 'root' }, source: { ip: '216.160.83.57', port: 29160 }, host: { hostname: 'slave22' } });
    expect(sudo).toMatchObject({ user: { name: 'vagrant', effective: { name: 'root' } }, process: { name: 'sudo', working_directory: '/home/vagrant' }, rendiff: { sudo: { tty: 'pts/0', command: '/bin/ls' } } });
    expect(sudoCat?.rendiff.sudo.command).toBe('/bin/cat /var/log/secure');
    expect(refused).toMatchObject({ user: { name: 'tsg', effective: { name: 'root' } }, event: { outcome: 'failure' }, rendiff: { sudo: { error: 'user NOT in sudoers' } } });
    expect(dropped).toMatchObject({ source: { ip: '2.125.160.217' } });
    expect(dropped?.event.outcome).toBeUndefined();
    expect(groupadd).toMatchObject({ process: { name: 'groupadd', pid: 6991 }, message: 'new group: name=apache, GID=48' });
  });
});

describe('an SSH password guessing run in Elasticsearch', () => {
  const es = templatedEmulator();

  it('is found by the brute-force detector when its indices include the syslog documents', async () => {
    const indexed = documents(lines('secure-rhel7-head.log'));
    expect(indexed.filter((document) => document.event.outcome === 'failure').length).toBe(16);
    const result = await es().bulk({ refresh: true, operations: indexed.flatMap((document) => [{ create: { _index: 'logs-sluice.generic-prod' } }, document]) });
    expect(result.errors).toBe(false);
    const config = { ...loadConfig({ SLUICE_NAMESPACE: 'prod', SLUICE_DETECT_INDICES: 'logs-sluice.generic-prod', SLUICE_DETECT_404_SCAN: 'off', SLUICE_DETECT_FLOOD: 'off', SLUICE_DETECT_BRUTE_FORCE: '10/5m' }) };
    const from = Date.parse('2026-02-22T16:40:00Z');
    const found = await detectBehaviour(es(), config, from, from + 600_000, RECEIVED);
    // 13 failed passwords from 202.109.143.106 between 16:45:20 and 16:46:06, 3 from 116.31.116.27.
    expect(found.created.map((finding) => [finding.rule.id, finding.ip, finding.count])).toEqual([['BEHAV-001', '202.109.143.106', 13]]);
  });
});
