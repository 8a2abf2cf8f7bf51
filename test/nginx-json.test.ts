import { describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';

// nginx's JSON access records (log_format … escape=json), keyed by nginx's variable names as nginx's documentation of
// escape=json and most published configurations write them, and ingress-nginx's documented `log-format-upstream`
// example with its own key names, its values filled in; written for Sluice. On a generic topic.
const NOW = Date.parse('2026-12-07T12:00:00Z');
const pipeline = createPipeline({ namespace: 'prod', now: () => NOW });
function accept(record: unknown): Record<string, any> {
  const outcome = pipeline({ value: JSON.stringify(record), topic: 'logs-nginx' });
  if (!outcome.ok) throw new Error(`rejected: ${outcome.reason}`);
  return outcome.document;
}

const VARIABLES = {
  time_local: '07/Dec/2026:06:00:00 +0000', remote_addr: '203.0.113.7', remote_user: '', request: 'GET /api/v1/jobs/8f14e45f?full=1 HTTP/1.1', status: '502',
  body_bytes_sent: '157', request_time: '0.503', http_referer: '', http_user_agent: 'python-requests/2.31.0', upstream_addr: '10.0.0.5:8000', upstream_response_time: '0.501',
};
const SPLIT = {
  msec: '1796623200.125', remote_addr: '198.51.100.4', remote_port: '50412', request_method: 'POST', uri: '/api/v1/jobs', args: 'priority=high', server_protocol: 'HTTP/2.0',
  status: 201, body_bytes_sent: 12, request_length: 512, request_time: 0.012, http_user_agent: 'curl/8.0', ssl_protocol: 'TLSv1.3', ssl_cipher: 'TLS_AES_256_GCM_SHA384', host: 'api.example.com', scheme: 'https', request_id: '7c1b2f1e9d',
};
const INGRESS = {
  time: '2026-12-07T06:00:01+00:00', remote_addr: '192.0.2.10', x_forwarded_for: '192.0.2.10', request_id: '5a2c1d', remote_user: '', bytes_sent: 1024, request_time: 0.25, status: 404,
  vhost: 'videos.example.com', request_proto: 'HTTP/1.1', path: '/admin/config.php', request_query: '', request_length: 230, duration: 0.25, method: 'GET', http_referrer: '', http_user_agent: 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
};

describe('nginx’s JSON access records on a generic topic', () => {
  it('keyed by nginx’s variables: the access document its text line makes; other variables kept', () => {
    expect(accept(VARIABLES)).toMatchObject({
      '@timestamp': '2026-12-07T06:00:00.000Z', event: { category: ['web'], type: ['access'], outcome: 'failure', duration: 503_000_000 }, source: { ip: '203.0.113.7' },
      http: { request: { method: 'GET' }, version: '1.1', response: { status_code: 502, body: { bytes: 157 } } }, url: { path: '/api/v1/jobs/8f14e45f', query: 'full=1' },
      user_agent: { original: 'python-requests/2.31.0' }, rendiff: { route: '/api/v1/jobs/{id}', upstream_addr: '10.0.0.5:8000', upstream_response_time: '0.501' },
    });
    expect(accept(SPLIT)).toMatchObject({
      '@timestamp': '2026-12-07T06:00:00.125Z', source: { ip: '198.51.100.4', port: 50412 }, tls: { version: '1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
      http: { request: { method: 'POST', id: '7c1b2f1e9d', bytes: 512 }, version: '2.0', response: { status_code: 201 } }, url: { domain: 'api.example.com', scheme: 'https', original: '/api/v1/jobs?priority=high', query: 'priority=high' },
    });
  });

  it('ingress-nginx’s documented example: its own names read as the variables they hold', () => {
    const probe = accept(INGRESS);
    expect(probe).toMatchObject({
      '@timestamp': '2026-12-07T06:00:01.000Z', http: { request: { method: 'GET', id: '5a2c1d', bytes: 230 }, response: { status_code: 404 } }, url: { domain: 'videos.example.com', path: '/admin/config.php' },
      event: { outcome: 'failure', duration: 250_000_000 }, rendiff: { bytes_sent: 1024, duration: 0.25 },
    });
  });

  it('a record without a client, a request or a status is no access record', () => {
    const notAccess = accept({ time: '2026-12-07T06:00:02Z', level: 'info', message: 'upstream reloaded', remote_addr: '10.0.0.1' });
    expect(notAccess.http).toBeUndefined();
    expect(notAccess).toMatchObject({ message: 'upstream reloaded', rendiff: { remote_addr: '10.0.0.1' } });
  });
});
