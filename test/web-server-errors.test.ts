import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { pipelineDocuments } from './support/pipeline.js';
import { templatedEmulator } from './support/rollups.js';

/**
 * nginx's and Apache's error logs on a generic topic: real servers' lines from the tests of Filebeat's nginx and apache
 * modules (test/fixtures/filebeat-web-errors, its SOURCE.md), read as the modules read them; the expected values are
 * their expected JSON's.
 */

const DIR = join(packageRoot, 'test', 'fixtures', 'filebeat-web-errors');
const lines = (file: string): string[] => readFileSync(join(DIR, file), 'utf8').split('\n').filter((line) => line !== '');
const documents = (file: string) => pipelineDocuments(lines(file), { received: Date.parse('2026-12-06T10:00:00Z'), topic: 'logs-web' });

describe('nginx’s error log', () => {
  it('the time, level, pid, thread and connection, the message; the client and request that close the line', () => {
    const [favicon, missing, fastcgi, phpLine] = documents('nginx-error.log');
    expect(favicon).toMatchObject({
      '@timestamp': '2016-10-25T14:49:34.000Z',
      log: { level: 'error' },
      process: { pid: 54053, thread: { id: 0 } },
      event: { kind: 'event', category: ['web'], type: ['error'], dataset: 'sluice.generic' },
      message: 'open() "/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /favicon.ico HTTP/1.1", host: "localhost:8080", referrer: "http://localhost:8080/"',
      source: { address: '127.0.0.1', ip: '127.0.0.1' },
      http: { request: { method: 'GET' } },
      url: { original: '/favicon.ico', path: '/favicon.ico' },
      rendiff: { nginx: { error: { connection_id: 1 } } },
    });
    expect(missing).toMatchObject({ '@timestamp': '2016-10-25T14:50:44.000Z', url: { original: '/adsasd' }, rendiff: { nginx: { error: { connection_id: 3 } } } });
    expect(fastcgi).toMatchObject({ '@timestamp': '2019-10-30T23:26:34.000Z', process: { pid: 205860, thread: { id: 205860 } }, rendiff: { nginx: { error: { connection_id: 180289 } } } });
    expect(fastcgi?.message).toMatch(/^FastCGI sent in stderr: "PHP message: PHP Warning:/);
    // The FastCGI message's next lines come as lines of their own (without Filebeat's multiline): kept whole.
    expect(phpLine).toMatchObject({ '@timestamp': '2026-12-06T10:00:00.000Z', message: expect.stringMatching(/^PHP message: PHP Warning:/) });
    expect(phpLine?.log).toBeUndefined();
  });
});

describe('Apache’s error log', () => {
  it('2.4’s module, pid and thread, a client with its port, the level that makes it an error; 2.2’s level and client', () => {
    const [missing, notice, core, include] = documents('apache-error-test.log');
    expect(missing).toMatchObject({
      '@timestamp': '2016-12-26T16:22:08.000Z', log: { level: 'error' }, event: { category: ['web'], type: ['error'] },
      message: 'File does not exist: /var/www/favicon.ico', file: { path: '/var/www/favicon.ico' }, source: { address: '192.168.33.1', ip: '192.168.33.1' },
    });
    expect(notice).toMatchObject({
      '@timestamp': '2016-12-26T16:15:55.103Z', log: { level: 'notice' }, event: { type: ['info'] }, process: { pid: 11379 },
      message: "AH00094: Command line: '/usr/local/Cellar/httpd24/2.4.23_2/bin/httpd'", rendiff: { apache: { error: { module: 'core' } } },
    });
    expect(notice?.source).toBeUndefined();
    expect(core).toMatchObject({ '@timestamp': '2011-09-09T10:42:29.902Z', process: { pid: 35708, thread: { id: 4328636416 } }, source: { ip: '89.160.20.112' }, file: { path: '/usr/local/apache2/htdocs/favicon.ico' } });
    expect(include).toMatchObject({ log: { level: 'warn' }, event: { type: ['error'] }, source: { address: '67.43.156.12', ip: '67.43.156.12', port: 12345 }, rendiff: { apache: { error: { module: 'include' } } } });

    const ubuntu = documents('apache-error-ubuntu-2.2.22.log');
    expect(ubuntu[0]).toMatchObject({ '@timestamp': '2016-12-26T16:17:53.000Z', log: { level: 'notice' }, message: 'Apache/2.2.22 (Ubuntu) configured -- resuming normal operations' });
    expect(ubuntu[1]).toMatchObject({ file: { path: '/var/www/favicon.ico' }, http: { request: { referrer: 'http://192.168.33.72/' } } });
    expect(ubuntu.filter((document) => document.source?.ip === '192.168.33.1')).toHaveLength(6);

    // A sub-level (trace3) is the level; its client, after mod_rewrite's source location, stays in the message.
    const [rewrite] = documents('apache-error-sublevel.log');
    expect(rewrite).toMatchObject({ log: { level: 'trace3' }, event: { type: ['info'] }, process: { pid: 121591, thread: { id: 140413273032448 } }, rendiff: { apache: { error: { module: 'rewrite' } } } });
    expect(rewrite?.source).toBeUndefined();
  });
});

describe('in Elasticsearch', () => {
  const es = templatedEmulator();

  it('every line is indexed under ilm/’s templates; the errors are found as errors (4 of nginx, 3 and 6 of Apache)', async () => {
    const indexed = ['nginx-error.log', 'apache-error-test.log', 'apache-error-ubuntu-2.2.22.log', 'apache-error-sublevel.log'].flatMap(documents);
    const result = await es().bulk({ refresh: true, operations: indexed.flatMap((document) => [{ create: { _index: 'logs-sluice.generic-prod' } }, document]) });
    expect(result.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    expect((await es().count({ index: 'logs-sluice.generic-prod', query: { term: { 'event.type': 'error' } } })).count).toBe(13);
  });
});
