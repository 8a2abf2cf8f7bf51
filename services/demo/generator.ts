import { appLine, filebeatEvent, hex, postgresLine, traefikLine, workerLine, type Line, type Request } from './lines.js';
import { attackers, clients, someClient, type Attacker, type Client } from './population.js';
import { pick, poisson, seeded, type Random } from './random.js';

/**
 * The demo's traffic, minute by minute: the seed's platform (an API behind Traefik, workers processing jobs,
 * PostgreSQL) under a diurnal and weekly curve, with planted incidents and attacks at known times. Each
 * minute is generated from the seed and the minute alone, so a month can be resumed at any minute and the
 * same seed always gives the same month.
 */

export const MINUTE = 60_000;
/** Log lines per API request on average (Traefik's, plus the API's, the workers' and PostgreSQL's lines it causes). */
export const LINES_PER_REQUEST = 1.45;

export interface PlantedIncident {
  kind: 'outage' | 'latency' | 'job_failures';
  /** The SLO of slo.yaml it hurts. */
  slo: string;
  from: number;
  to: number;
  description: string;
}

export interface PlantedAttack {
  attacker: Attacker;
  from: number;
  to: number;
}

export interface DemoPlan {
  seed: number;
  namespace: string;
  from: number;
  to: number;
  /** API requests per minute on average over a week (the curve swings from 0.3 to 1.7 times this). */
  requestsPerMinute: number;
  incidents: PlantedIncident[];
  attacks: PlantedAttack[];
}

export interface DemoMessage {
  topic: string;
  value: string;
  /** When its line was written (live traffic sends it then). */
  at: number;
}

/** Busy in the European and American afternoon, quiet at 03:00 UTC; weekends at 65 %; a week averages 1. */
export function trafficShape(at: number): number {
  const date = new Date(at);
  const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
  const day = date.getUTCDay();
  const weekend = day === 0 || day === 6 ? 0.65 : 1;
  return ((1 + 0.7 * Math.cos((2 * Math.PI * (hour - 15)) / 24)) * weekend) / 0.9;
}

/** Weekdays between from and to (or every day when there are none), as the instants they start. */
function daysOf(from: number, to: number): number[] {
  const days: number[] = [];
  for (let day = Math.ceil(from / 86_400_000) * 86_400_000; day + 86_400_000 <= to; day += 86_400_000) days.push(day);
  const weekdays = days.filter((day) => ![0, 6].includes(new Date(day).getUTCDay()));
  return weekdays.length > 0 ? weekdays : days.length > 0 ? days : [Math.floor(from / 86_400_000) * 86_400_000];
}

function plantIncidents(random: Random, days: number[]): PlantedIncident[] {
  const at = (day: number, hour: number, minute: number) => day + hour * 3_600_000 + minute * MINUTE;
  const outageDay = pick(random, days);
  const outageStart = at(outageDay, 13, 5 + Math.floor(random() * 80));
  const outageMinutes = 17 + Math.floor(random() * 20);
  const latencyStart = at(pick(random, days), 16, Math.floor(random() * 30));
  const latencyMinutes = 90 + Math.floor(random() * 90);
  const jobsStart = at(pick(random, days), 8, Math.floor(random() * 60));
  const jobsMinutes = 120 + Math.floor(random() * 120);
  return [
    { kind: 'outage', slo: 'api-availability', from: outageStart, to: outageStart + outageMinutes * MINUTE, description: `database outage: every API request fails with 502 or 503 for ${outageMinutes} minutes` },
    { kind: 'latency', slo: 'api-latency', from: latencyStart, to: latencyStart + latencyMinutes * MINUTE, description: `latency regression: a third of API requests take 2.2-7 s for ${latencyMinutes} minutes` },
    { kind: 'job_failures', slo: 'job-success', from: jobsStart, to: jobsStart + jobsMinutes * MINUTE, description: `failing job type: every h264-1080p job fails with encoder_crash for ${jobsMinutes} minutes` },
  ];
}

function plantAttacks(random: Random, seed: number, days: number[]): PlantedAttack[] {
  const hours: Record<Attacker['kind'], [number, number]> = { scanner: [2, 12], sqli: [21, 30], brute_force: [3, 20], xss: [11, 10], traversal: [19, 15] };
  return attackers(seed).map((attacker) => {
    const [hour, minutes] = hours[attacker.kind];
    const from = pick(random, days) + hour * 3_600_000 + Math.floor(random() * 30) * MINUTE;
    return { attacker, from, to: from + minutes * MINUTE };
  });
}

/** A month (or any range) of demo traffic of about `events` log lines; `incidents: false` for live traffic. */
export function planDemo(options: { seed: number; namespace: string; from: number; to: number; events: number; incidents?: boolean }): DemoPlan {
  const random = seeded(options.seed, 0x91a4);
  const days = daysOf(options.from, options.to);
  const planted = options.incidents !== false;
  const incidents = planted ? plantIncidents(random, days) : [];
  const attacks = planted ? plantAttacks(random, options.seed, days) : [];
  const minutes = (options.to - options.from) / MINUTE;
  // Lines that do not follow the traffic curve: checkpoints every 5 minutes, and the attacks (a failed login logs twice).
  const fixed = minutes / 5 + attacks.reduce((sum, { attacker, from, to }) => sum + ((attacker.perMinute * (to - from)) / MINUTE) * (attacker.kind === 'brute_force' ? 2 : 1), 0);
  return { seed: options.seed, namespace: options.namespace, from: options.from, to: options.to, requestsPerMinute: Math.max(0, options.events - fixed) / minutes / LINES_PER_REQUEST, incidents, attacks };
}

/** The same plan for live traffic: `eventsPerSecond` on average, no planted incident. */
export function planLive(seed: number, namespace: string, eventsPerSecond: number): DemoPlan {
  return { seed, namespace, from: 0, to: Number.MAX_SAFE_INTEGER, requestsPerMinute: (eventsPerSecond * 60) / LINES_PER_REQUEST, incidents: [], attacks: [] };
}

const activeIncident = (plan: DemoPlan, kind: PlantedIncident['kind'], at: number) => plan.incidents.some((incident) => incident.kind === kind && at >= incident.from && at < incident.to);

const PRESETS = ['h264-720p', 'h264-720p', 'h264-1080p', 'h264-1080p', 'h264-1080p', 'hevc-4k', 'vp9-1080p', 'thumbnail-sprite'];
const JOB_ERRORS = ['input_corrupt', 'timeout', 'storage_unavailable'];
const SEARCHES = ['interview', "o'brien interview", 'select best take', 'drop shadow intro', 'Café Müller rehearsal', 'trailer 2026 final', 'union square timelapse', '東京 vlog'];

interface MinuteContext {
  plan: DemoPlan;
  random: Random;
  population: Client[];
  lines: Line[];
}

function jobLines(context: MinuteContext, at: number, client: Client): void {
  const { random, lines, plan } = context;
  const job = `${hex(random, 8)}-${hex(random, 4)}`;
  const user = `user${Math.floor(random() * 900) + 100}`;
  const preset = pick(random, PRESETS);
  const seconds = Math.round((preset === 'thumbnail-sprite' ? 4 : preset === 'hevc-4k' ? 240 : 45) * (0.5 + random()) * 10) / 10;
  const done = at + 2000 + seconds * 1000;
  const crashing = preset === 'h264-1080p' && activeIncident(plan, 'job_failures', at);
  const failure = crashing ? { error_type: 'encoder_crash' } : random() < 0.0002 ? { error_type: pick(random, JOB_ERRORS) } : undefined;
  const worker = { worker_id: `w-${Math.floor(random() * 8)}`, queue: preset === 'hevc-4k' ? 'gpu' : 'cpu', preset };
  const level = failure ? 'ERROR' : 'INFO';
  lines.push(appLine(random, at + 5, 'INFO', 'Job created', { job_id: job, user_id: user, preset, component: 'api', client_ip: client.address }));
  lines.push(workerLine(random, at + 1500, 'INFO', 'Transcode started', { job_id: job, ...worker, attempt: 1 }));
  lines.push(workerLine(random, done, level, failure ? 'Transcode failed' : 'Transcode finished', { job_id: job, ...worker, ...failure, processing_time: seconds }));
  lines.push(appLine(random, done + 20, level, failure ? 'Job processing failed' : 'Job processing completed', { job_id: job, user_id: user, preset, ...failure, processing_time: seconds, component: 'video_processor' }));
}

/** One ordinary API request: its route, status, size and duration, and the lines it makes the API write. */
function ordinaryRequest(context: MinuteContext, at: number): Request {
  const { random } = context;
  const r = random();
  // Health checks come from the orchestrator's probe inside the cluster, not from clients.
  const client = r >= 0.52 && r < 0.6 ? { address: `10.0.${Math.floor(random() * 4)}.${2 + Math.floor(random() * 20)}`, agent: 'kube-probe/1.31' } : someClient(random, context.population);
  const id = hex(random, 8);
  let request: Request;
  if (r < 0.3) request = { at, client, method: 'GET', path: `/api/v1/jobs/${id}`, status: random() < 0.01 ? 404 : 200, durationMs: 25, sent: 900 + Math.floor(random() * 600), received: 0 };
  else if (r < 0.42) request = { at, client, method: 'GET', path: `/api/v1/jobs?status=${pick(random, ['completed', 'processing', 'queued', 'failed'])}&page=${1 + Math.floor(random() * 5)}`, status: 200, durationMs: 60, sent: 4000 + Math.floor(random() * 20_000), received: 0 };
  else if (r < 0.52) request = { at, client, method: 'GET', path: `/api/v1/jobs/${id}/thumbnail`, status: 200, durationMs: 35, sent: 20_000 + Math.floor(random() * 60_000), received: 0 };
  else if (r < 0.6) request = { at, client, method: 'GET', path: '/health', status: 200, durationMs: 1.5, sent: 17, received: 0 };
  else if (r < 0.7) request = { at, client, method: 'POST', path: '/api/v1/convert', status: 202, durationMs: 90, sent: 310, received: 400 + Math.floor(random() * 300) };
  else if (r < 0.74) request = { at, client, method: 'POST', path: '/api/v1/upload', status: 201, durationMs: 700, sent: 250, received: 5_000_000 + Math.floor(random() * 200_000_000) };
  else if (r < 0.8) request = { at, client, method: 'GET', path: '/api/v1/presets', status: 200, durationMs: 12, sent: 2300, received: 0 };
  else if (r < 0.86) request = { at, client, method: 'GET', path: `/api/v1/search?q=${encodeURIComponent(pick(random, SEARCHES))}&limit=20`, status: 200, durationMs: 110, sent: 3000 + Math.floor(random() * 9000), received: 0 };
  else if (r < 0.88) request = { at, client, method: 'POST', path: '/api/v1/webhooks', status: 201, durationMs: 40, sent: 180, received: 240 };
  else if (r < 0.95) request = { at, client, method: 'GET', path: `/api/v1/jobs/${id}/download`, status: random() < 0.02 ? 404 : 200, durationMs: 180, sent: 10_000_000 + Math.floor(random() * 500_000_000), received: 0 };
  else request = { at, client, method: 'POST', path: '/api/v1/auth/token', status: random() < 0.03 ? 401 : 200, durationMs: 70, sent: 640, received: 120 };
  if (request.path === '/api/v1/convert') jobLines(context, at, client);
  if (request.path === '/api/v1/auth/token') context.lines.push(appLine(random, at + 30, request.status === 200 ? 'INFO' : 'WARNING', request.status === 200 ? 'User authenticated' : 'Authentication failed', { user_id: `user${Math.floor(random() * 900) + 100}`, client_ip: client.address, component: 'auth' }));
  if (random() < 0.004) context.lines.push(postgresLine(random, at + 10, 'LOG', `duration: ${(1000 + random() * 4000).toFixed(3)} ms  statement: SELECT j.* FROM jobs j JOIN outputs o ON o.job_id = j.id WHERE j.user_id = $1 ORDER BY j.created_at DESC LIMIT 50`));
  return request;
}

/** How an incident or the ordinary spread changes a request's outcome. */
function applyConditions(context: MinuteContext, request: Request): void {
  const { random, plan } = context;
  // Durations spread log-normally around each route's typical time.
  request.durationMs *= Math.exp(0.5 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  if (activeIncident(plan, 'latency', request.at) && random() < 0.35) request.durationMs = 2200 + random() * 4800;
  if (activeIncident(plan, 'outage', request.at)) {
    // The backend refuses connections (502) until Traefik's health check takes it out (503): both at once.
    request.status = pick(context.random, [502, 502, 503]);
    request.durationMs = 2 + random() * 10;
    request.sent = request.status === 502 ? 11 : 19;
  } else if (random() < 0.002) request.status = 429;
}

function attackRequests(context: MinuteContext, minute: number): Request[] {
  const requests: Request[] = [];
  for (const { attacker, from, to } of context.plan.attacks) {
    if (minute < from || minute >= to) continue;
    for (let i = 0; i < attacker.perMinute; i += 1) {
      const at = minute + Math.floor(((i + context.random()) * MINUTE) / attacker.perMinute);
      requests.push({ at, client: { address: attacker.address, agent: attacker.agent }, method: attacker.method, path: pick(context.random, attacker.paths), status: attacker.status, durationMs: 3 + context.random() * 20, sent: 19 + Math.floor(context.random() * 200), received: attacker.method === 'POST' ? 60 : 0 });
      if (attacker.kind === 'brute_force') context.lines.push(appLine(context.random, at + 30, 'WARNING', 'Authentication failed', { user_id: pick(context.random, ['admin', 'root', 'test', 'user101', 'support']), client_ip: attacker.address, component: 'auth' }));
    }
  }
  return requests;
}

function outageLines(context: MinuteContext, minute: number): void {
  const { random, plan, lines } = context;
  for (const incident of plan.incidents) {
    if (incident.kind !== 'outage' || minute < incident.from || minute >= incident.to) continue;
    if (minute === incident.from) lines.push(postgresLine(random, minute + 1000, 'PANIC', 'could not write to file "pg_wal/xlogtemp.112": No space left on device', false));
    lines.push(appLine(random, minute + 2000, 'ERROR', 'Database connection failed: connection to server at "db-1" (172.20.0.3), port 5432 failed: Connection refused', { component: 'database', retry_in: 5 }));
  }
}

function malformedLine(context: MinuteContext, minute: number): void {
  const { random, lines } = context;
  // A record cut short by a producer that crashed mid-write: broken JSON, which the pipeline dead-letters.
  const line = traefikLine(random, { at: minute + Math.floor(random() * MINUTE), client: someClient(random, context.population), method: 'GET', path: '/api/v1/presets', status: 200, durationMs: 10, sent: 2300, received: 0 }, 0);
  const whole = filebeatEvent(line, 0, context.plan.namespace);
  lines.push({ ...line, text: whole.slice(0, Math.floor(whole.length * (0.3 + random() * 0.5))), raw: true });
}

const populations = new Map<number, Client[]>();

/** The log lines of one minute of the plan (time-ordered), each in a Filebeat envelope bound for its topic. */
export function minuteMessages(plan: DemoPlan, minute: number): DemoMessage[] {
  let population = populations.get(plan.seed);
  if (population === undefined) populations.set(plan.seed, (population = clients(plan.seed)));
  const random = seeded(plan.seed, minute / MINUTE);
  // Traefik's request counter and Filebeat's file offsets, from the minute alone (a resumed month numbers alike).
  const counter = { value: (minute / MINUTE) * 10_000 };
  const context: MinuteContext = { plan, random, population, lines: [] };
  const outage = activeIncident(plan, 'outage', minute);
  // Clients retry while the API fails: an outage minute sees more requests, never fewer than a dozen.
  const count = outage ? Math.max(12, poisson(random, 1.5 * plan.requestsPerMinute * trafficShape(minute))) : poisson(random, plan.requestsPerMinute * trafficShape(minute));
  const requests: Request[] = [];
  for (let i = 0; i < count; i += 1) requests.push(ordinaryRequest(context, minute + Math.floor(random() * MINUTE)));
  for (const request of requests) applyConditions(context, request);
  requests.push(...attackRequests(context, minute));
  for (const request of requests) context.lines.push(traefikLine(random, request, (counter.value += 1)));
  outageLines(context, minute);
  if (minute % (5 * MINUTE) === 0) context.lines.push(postgresLine(random, minute + 7, 'LOG', 'checkpoint starting: time', false));
  if (random() < 0.03) malformedLine(context, minute);
  context.lines.sort((a, b) => a.at - b.at);
  return context.lines.map((line) => ({ topic: line.topic, value: line.raw ? line.text : filebeatEvent(line, (counter.value += 1) * 300, plan.namespace), at: line.at }));
}
