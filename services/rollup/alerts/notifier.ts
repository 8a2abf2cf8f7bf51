import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Logger } from '../../../shared/logging.js';
import { positiveDuration } from '../../../shared/time-value.js';
import { parseYamlFile } from '../../../shared/yaml-file.js';
import type { Level, SloState } from '../slo-state.js';

/**
 * Sluice's own notifier, for teams without Prometheus: the burn-rate alerts of the SLO state (the same pairs
 * as the generated Prometheus rules), evaluated every minute from the rollups, sent to webhooks (signed),
 * Slack-compatible webhooks and Alertmanager. An alert is one SLO at one severity. A notification goes out
 * when an alert starts firing, again every `repeatInterval` while it fires, and once when it resolves; the
 * alerts that change in one evaluation go out together, grouped per receiver and severity. Alertmanager is
 * sent every firing alert on every evaluation (it expects to be told again, and does its own grouping).
 * Each receiver has its own queue with retries and backoff: a failing one never holds the others.
 */

const receiver = z.discriminatedUnion('type', [
  z.strictObject({ name: z.string().min(1), type: z.literal('webhook'), url: z.url(), secret: z.string().min(16, 'expected a secret of at least 16 characters (it signs the body)').optional() }),
  z.strictObject({ name: z.string().min(1), type: z.literal('slack'), url: z.url() }),
  z.strictObject({ name: z.string().min(1), type: z.literal('alertmanager'), url: z.url() }),
]);

const notifySchema = z
  .strictObject({
    repeatInterval: positiveDuration.default(4 * 3_600_000),
    retries: z.number().int().min(0).max(10).default(4),
    receivers: z.array(receiver).min(1),
    routes: z.array(z.strictObject({ severity: z.enum(['critical', 'warning']), receivers: z.array(z.string().min(1)).min(1) })).min(1),
  })
  .superRefine((file, ctx) => {
    const names = new Set(file.receivers.map((r) => r.name));
    file.routes.forEach((route, i) =>
      route.receivers.forEach((name, j) => {
        if (!names.has(name)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'receivers', j], message: `no receiver named "${name}"; the receivers are ${[...names].join(', ')}` });
      }),
    );
  });

export type NotifyFile = z.infer<typeof notifySchema>;
type Receiver = NotifyFile['receivers'][number];

export function parseNotifyFile(text: string, file = 'notify.yaml'): NotifyFile {
  return parseYamlFile(notifySchema, text, file, 'notifier file');
}

export function loadNotifyFile(path: string): NotifyFile {
  return parseNotifyFile(readFileSync(path, 'utf8'), path);
}

export interface AlertNotice {
  slo: string;
  service: string;
  severity: Exclude<Level, 'ok'>;
  status: 'firing' | 'resolved';
  startsAt: string;
  endsAt?: string;
  summary: string;
  description: string;
}

interface Active {
  since: number;
  lastSent: number;
  notice: AlertNotice;
}

/** The HMAC-SHA256 of a webhook body, as the `X-Sluice-Signature: sha256=<hex>` header carries it. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function describe(state: SloState, severity: Exclude<Level, 'ok'>): { summary: string; description: string } {
  const firing = state.burnRates.filter((rate) => rate.severity === severity && rate.firing);
  return {
    summary: `${state.displayName}: error budget burning ${severity === 'critical' ? 'fast (page)' : 'steadily (ticket)'}`,
    description: firing.map((rate) => `burn rate ${rate.longRate?.toFixed(1)} over ${rate.long} and ${rate.shortRate?.toFixed(1)} over ${rate.short} (threshold ${rate.threshold})`).join('; ') || 'resolved',
  };
}

function payload(receiver: Receiver, severity: string, notices: AlertNotice[]): { url: string; body: string; headers: Record<string, string> } {
  if (receiver.type === 'alertmanager') {
    const alerts = notices.map((n) => ({ labels: { alertname: severity === 'critical' ? 'SluiceSLOBurnRateCritical' : 'SluiceSLOBurnRateWarning', slo: n.slo, service: n.service, severity: n.severity }, annotations: { summary: n.summary, description: n.description }, startsAt: n.startsAt, ...(n.endsAt ? { endsAt: n.endsAt } : {}) }));
    return { url: `${receiver.url.replace(/\/$/, '')}/api/v2/alerts`, body: JSON.stringify(alerts), headers: {} };
  }
  if (receiver.type === 'slack') {
    const lines = notices.map((n) => `${n.status === 'firing' ? ':rotating_light:' : ':white_check_mark:'} *${n.status.toUpperCase()}* [${n.severity}] ${n.summary}${n.status === 'firing' ? ` (${n.description})` : ''}`);
    return { url: receiver.url, body: JSON.stringify({ text: lines.join('\n') }), headers: {} };
  }
  const body = JSON.stringify({ version: '1', receiver: receiver.name, groupKey: `severity=${severity}`, status: notices.some((n) => n.status === 'firing') ? 'firing' : 'resolved', alerts: notices });
  return { url: receiver.url, body, headers: receiver.secret ? { 'x-sluice-signature': signature(receiver.secret, body) } : {} };
}

export interface NotifierOptions {
  /** The first retry's delay; each next one doubles it. */
  backoffMs?: number;
  timeoutMs?: number;
}

export class Notifier {
  private readonly active = new Map<string, Active>();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly file: NotifyFile,
    private readonly logger: Logger,
    private readonly options: NotifierOptions = {},
  ) {}

  /** One evaluation: what starts, repeats and resolves is queued to its receivers. Returns once queued, not delivered. */
  evaluate(states: readonly SloState[], now: number): void {
    const due = new Map<string, AlertNotice[]>();
    const toAlertmanager = new Map<string, AlertNotice[]>();
    const add = (into: Map<string, AlertNotice[]>, severity: string, notice: AlertNotice) => into.set(severity, [...(into.get(severity) ?? []), notice]);
    for (const state of states) {
      for (const severity of ['critical', 'warning'] as const) {
        const key = `${state.name}\u0000${severity}`;
        const firing = state.burnRates.some((rate) => rate.severity === severity && rate.firing);
        const known = this.active.get(key);
        if (firing) {
          const notice: AlertNotice = { slo: state.name, service: state.service, severity, status: 'firing', startsAt: new Date(known?.since ?? now).toISOString(), ...describe(state, severity) };
          if (known === undefined || now - known.lastSent >= this.file.repeatInterval) {
            add(due, severity, notice);
            this.active.set(key, { since: known?.since ?? now, lastSent: now, notice });
          } else known.notice = notice;
          add(toAlertmanager, severity, notice);
        } else if (known !== undefined) {
          const resolved: AlertNotice = { ...known.notice, status: 'resolved', endsAt: new Date(now).toISOString(), description: 'resolved' };
          add(due, severity, resolved);
          add(toAlertmanager, severity, resolved);
          this.active.delete(key);
        }
      }
    }
    for (const route of this.file.routes) {
      for (const name of route.receivers) {
        const receiver = this.file.receivers.find((r) => r.name === name) as Receiver;
        const notices = (receiver.type === 'alertmanager' ? toAlertmanager : due).get(route.severity);
        if (notices && notices.length > 0) this.enqueue(receiver, route.severity, notices);
      }
    }
  }

  private enqueue(receiver: Receiver, severity: string, notices: AlertNotice[]): void {
    const previous = this.queues.get(receiver.name) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(receiver, severity, notices));
    this.queues.set(receiver.name, next);
  }

  private async deliver(receiver: Receiver, severity: string, notices: AlertNotice[]): Promise<void> {
    const { url, body, headers } = payload(receiver, severity, notices);
    const backoff = this.options.backoffMs ?? 1000;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
        await response.arrayBuffer();
        if (response.ok) return;
        throw new Error(`HTTP ${response.status}`);
      } catch (error) {
        if (attempt >= this.file.retries) {
          this.logger.warn({ receiver: receiver.name, err: error, alerts: notices.length }, 'notification dropped after its retries');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, backoff * 2 ** attempt));
      }
    }
  }

  /** Waits for what is queued (tests, and a clean stop). */
  async drain(): Promise<void> {
    await Promise.all(this.queues.values());
  }
}
