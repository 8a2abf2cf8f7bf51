import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile, type Slo } from '../shared/slo.js';
import { YamlFileError } from '../shared/yaml-file.js';
import { Notifier, parseNotifyFile, signature } from '../services/rollup/alerts/notifier.js';
import { evaluateSlo } from '../services/rollup/slo-state.js';
import { startPrometheusServer, waitFor } from './support/process.js';

/** Receivers as local HTTP servers; the burn scripted through the real burn-rate evaluation. */

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

async function receiver(answer: (count: number) => number | 'hang'): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  let count = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      count += 1;
      const status = answer(count);
      if (status === 'hang') return;
      if (status < 300) received.push({ path: request.url ?? '', headers: request.headers, body, at: Date.now() });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const SECRET = 'a-webhook-secret-0123';
const availability = loadSloFile(join(packageRoot, 'slo.yaml')).slos[0] as Slo;

/** The SLO's state at `to` over 3 days of 100 requests a minute, the last `badMinutes` of them with 2 % errors. */
function state(to: number, badMinutes: number) {
  const good = new Float64Array(4320).fill(100);
  const valid = new Float64Array(4320).fill(100);
  for (let m = 4320 - badMinutes; m < 4320; m += 1) good[m] = 98;
  return evaluateSlo(availability, { good, valid }, to - 3 * 86_400_000, to);
}

let webhook: Awaited<ReturnType<typeof receiver>>;
let slack: Awaited<ReturnType<typeof receiver>>;
let alertmanager: Awaited<ReturnType<typeof receiver>>;
let flaky: Awaited<ReturnType<typeof receiver>>;
let hanging: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  webhook = await receiver(() => 200);
  slack = await receiver(() => 200);
  alertmanager = await receiver(() => 200);
  flaky = await receiver((n) => (n <= 2 ? 503 : 200));
  hanging = await receiver(() => 'hang');
});
afterAll(async () => {
  for (const r of [webhook, slack, alertmanager, flaky, hanging]) r?.server.closeAllConnections();
  for (const r of [webhook, slack, alertmanager, flaky, hanging]) r?.server.close();
});

function notifyYaml(): string {
  return `repeatInterval: 1h
retries: 3
receivers:
  - { name: ops, type: webhook, url: "${webhook.url}/hook", secret: ${SECRET} }
  - { name: chat, type: slack, url: "${slack.url}/services/T000/B000/XXX" }
  - { name: am, type: alertmanager, url: "${alertmanager.url}" }
  - { name: flaky, type: webhook, url: "${flaky.url}/hook" }
  - { name: stuck, type: webhook, url: "${hanging.url}/hook" }
routes:
  - { severity: critical, receivers: [stuck, ops, chat, am, flaky] }
  - { severity: warning, receivers: [ops] }
`;
}

describe('the notifier file', () => {
  it('names the line of a route to a receiver that does not exist', () => {
    const text = notifyYaml().replace('receivers: [ops]', 'receivers: [opps]');
    try {
      parseNotifyFile(text);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(YamlFileError);
      expect((error as YamlFileError).problems).toEqual(['line 11: routes.1.receivers.0: no receiver named "opps"; the receivers are ops, chat, am, flaky, stuck']);
    }
  });
});

describe('the notifier on a scripted burn', () => {
  it('fires, does not repeat within the interval, repeats after it, resolves; signs webhooks; retries; a stuck receiver holds no other', async () => {
    // A delivery that times out is sent again (at least once, as Alertmanager's webhooks are): the timeout is long
    // enough that only the stuck receiver reaches it on a loaded machine (at 500 ms a slow answer came twice in CI).
    const notifier = new Notifier(parseNotifyFile(notifyYaml()), pino({ level: 'silent' }), { backoffMs: 50, timeoutMs: 1500 });
    const t0 = Date.parse('2026-11-20T12:00:00Z');

    // An hour of 2 % errors at 99.9 %: burn 20 over 1 h and 5 m, the page fires.
    notifier.evaluate([state(t0, 60)], t0);
    await waitFor(() => webhook.received.length === 1 && slack.received.length === 1 && alertmanager.received.length === 1, 5000, 'the first notifications, while the stuck receiver still waits');
    const first = JSON.parse(webhook.received[0]!.body);
    expect(first).toMatchObject({ status: 'firing', groupKey: 'severity=critical', alerts: [{ slo: 'api-availability', severity: 'critical', status: 'firing', startsAt: '2026-11-20T12:00:00.000Z' }] });
    expect(first.alerts[0].description).toBe('burn rate 20.0 over 1h and 20.0 over 5m (threshold 14.4)');
    expect(webhook.received[0]!.headers['x-sluice-signature']).toBe(signature(SECRET, webhook.received[0]!.body));
    expect(JSON.parse(slack.received[0]!.body).text).toBe(':rotating_light: *FIRING* [critical] API availability: error budget burning fast (page) (burn rate 20.0 over 1h and 20.0 over 5m (threshold 14.4))');
    expect(alertmanager.received[0]!.path).toBe('/api/v2/alerts');
    expect(JSON.parse(alertmanager.received[0]!.body)).toEqual([
      { labels: { alertname: 'SluiceSLOBurnRateCritical', slo: 'api-availability', service: 'rendiff-api', severity: 'critical' }, annotations: { summary: 'API availability: error budget burning fast (page)', description: 'burn rate 20.0 over 1h and 20.0 over 5m (threshold 14.4)' }, startsAt: '2026-11-20T12:00:00.000Z' },
    ]);

    // A minute later, still burning: no repeat to the webhook (interval 1 h); Alertmanager is told again.
    notifier.evaluate([state(t0 + 60_000, 61)], t0 + 60_000);
    await waitFor(() => alertmanager.received.length === 2, 5000, 'Alertmanager told again');
    // 61 minutes after the first: the repeat.
    notifier.evaluate([state(t0 + 3_660_000, 120)], t0 + 3_660_000);
    await waitFor(() => webhook.received.length === 2, 5000, 'the repeat');
    expect(JSON.parse(webhook.received[1]!.body).alerts[0]).toMatchObject({ status: 'firing', startsAt: '2026-11-20T12:00:00.000Z' });

    // Clean again: one resolve, to every receiver of the route.
    notifier.evaluate([state(t0 + 3_720_000, 0)], t0 + 3_720_000);
    await waitFor(() => webhook.received.length === 3 && slack.received.length === 3 && alertmanager.received.length === 4, 5000, 'the resolve');
    expect(JSON.parse(webhook.received[2]!.body)).toMatchObject({ status: 'resolved', alerts: [{ status: 'resolved', endsAt: '2026-11-20T13:02:00.000Z' }] });
    expect(JSON.parse(alertmanager.received[3]!.body)[0].endsAt).toBe('2026-11-20T13:02:00.000Z');
    expect(JSON.parse(slack.received[2]!.body).text).toBe(':white_check_mark: *RESOLVED* [critical] API availability: error budget burning fast (page)');
    // And nothing more while it stays clean.
    notifier.evaluate([state(t0 + 3_780_000, 0)], t0 + 3_780_000);

    await notifier.drain();
    // The flaky receiver answered 503 twice, then took each notification: three (fire, repeat, resolve).
    expect(flaky.received.map((r) => JSON.parse(r.body).status)).toEqual(['firing', 'firing', 'resolved']);
    expect(webhook.received).toHaveLength(3);
    expect(hanging.received).toHaveLength(0);
  }, 60_000);
});

/** Alertmanager's own configuration: every alert to one webhook at once, grouped per alert name and SLO, resolves sent. */
function alertmanagerYaml(relay: string): string {
  return `route:
  receiver: relay
  group_by: [alertname, slo]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: relay
    webhook_configs:
      - url: ${relay}/relay
        send_resolved: true
`;
}

interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  status: { state: string };
}

describe('the notifier and a real Alertmanager (Debian\u2019s prometheus-alertmanager)', () => {
  it('Alertmanager takes the firing alert, routes it to its own receiver, and resolves it when told', async () => {
    const relay = await receiver(() => 200);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-alertmanager-'));
    writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerYaml(relay.url));
    // No cluster listener: a lone Alertmanager, on a free port only.
    const alertmanager = await startPrometheusServer('prometheus-alertmanager', [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, '--cluster.listen-address=']);
    const url = alertmanager.url;
    try {
      const notifier = new Notifier(parseNotifyFile(`receivers:\n  - { name: am, type: alertmanager, url: "${url}" }\nroutes:\n  - { severity: critical, receivers: [am] }\n`), pino({ level: 'silent' }), { backoffMs: 50 });
      // Two minutes ago the page fired; a minute ago the burn was over: the resolve's endsAt lies in the past.
      const fired = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
      notifier.evaluate([state(fired, 60)], fired);
      await notifier.drain();
      const alerts = (await (await fetch(`${url}/api/v2/alerts`)).json()) as AlertmanagerAlert[];
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        labels: { alertname: 'SluiceSLOBurnRateCritical', slo: 'api-availability', service: 'rendiff-api', severity: 'critical' },
        annotations: { summary: 'API availability: error budget burning fast (page)', description: 'burn rate 20.0 over 1h and 20.0 over 5m (threshold 14.4)' },
        startsAt: new Date(fired).toISOString(),
        status: { state: 'active' },
      });
      // Alertmanager's webhook payload (version 4), grouped as its route says.
      await waitFor(() => relay.received.length >= 1, 10_000, 'Alertmanager notifying its receiver');
      expect(JSON.parse(relay.received[0]!.body)).toMatchObject({ version: '4', status: 'firing', receiver: 'relay', groupLabels: { alertname: 'SluiceSLOBurnRateCritical', slo: 'api-availability' }, alerts: [{ status: 'firing', labels: { severity: 'critical', service: 'rendiff-api' } }] });

      notifier.evaluate([state(fired + 60_000, 0)], fired + 60_000);
      await notifier.drain();
      await waitFor(() => relay.received.some((r) => JSON.parse(r.body).status === 'resolved'), 10_000, 'Alertmanager sending the resolve');
      const resolved = JSON.parse(relay.received.find((r) => JSON.parse(r.body).status === 'resolved')!.body);
      expect(resolved.alerts[0].status).toBe('resolved');
      expect(Date.parse(resolved.alerts[0].endsAt)).toBe(fired + 60_000);
      expect((await (await fetch(`${url}/api/v2/alerts`)).json()) as AlertmanagerAlert[]).toEqual([]);
    } finally {
      await alertmanager.stop();
      relay.server.closeAllConnections();
      relay.server.close();
    }
  }, 60_000);
});
