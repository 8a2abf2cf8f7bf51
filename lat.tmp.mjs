import { spawn } from 'node:child_process';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { realisticLines } from './dist/bench/pipeline.js';
const KP = 19392, EP = 19300, MP = 19564;
const kids = [spawn('node', ['dist/bin/sluice.js', 'emulate', 'kafka', '--port', KP]), spawn('node', ['dist/bin/sluice.js', 'emulate', 'elasticsearch', '--port', EP])];
await new Promise(r => setTimeout(r, 2000));
const kafka = new Kafka({ brokers: [`127.0.0.1:${KP}`], logLevel: logLevel.NOTHING });
const admin = kafka.admin(); await admin.connect(); await admin.createTopics({ topics: ['logs-app', 'logs-traefik', 'logs-worker', 'logs-postgres'].map((topic) => ({ topic, numPartitions: 3 })) }); await admin.disconnect();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner }); await producer.connect();
const w = spawn('node', [...(process.env.WFLAGS ? process.env.WFLAGS.split(' ') : []), 'dist/bin/sluice.js', 'ingest'], { env: { ...process.env, LOG_LEVEL: 'warn', KAFKA_BROKERS: `127.0.0.1:${KP}`, ELASTICSEARCH_URL: `http://127.0.0.1:${EP}`, SLUICE_INGEST_METRICS_PORT: String(MP), SLUICE_INGEST_WORKERS: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
for (;;) { const r = await fetch(`http://127.0.0.1:${MP}/readyz`).catch(() => undefined); if (r?.status === 200) break; await new Promise(r => setTimeout(r, 100)); }
await new Promise(r => setTimeout(r, Number(process.env.PAUSE ?? 0)));
const lines = realisticLines(50000).filter(l => l.startsWith('{'));
const topicOf = (l) => l.includes('ClientAddr') ? 'logs-traefik' : 'logs-app';
const snap = async () => { const t = await (await fetch(`http://127.0.0.1:${MP}/metrics`)).text(); const b = {}; for (const m of t.matchAll(/^sluice_ingest_latency_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) b[m[1]] = Number(m[2]); const c = [...t.matchAll(/^sluice_ingest_committed_messages_total\{[^}]*\} (\d+)/gm)].reduce((x, m) => x + Number(m[1]), 0); return [b['0.1'] ?? 0, b['1'] ?? 0, b['+Inf'] ?? 0, c]; };
let prev = [0,0,0,0]; const iv = setInterval(async () => { const s = await snap(); console.log(((performance.now()-t0)/1000).toFixed(1), 'produced', next, 'acked', s[2]-prev[2], '<=100ms', s[0]-prev[0], '<=1s', s[1]-prev[1], 'committed', s[3]-prev[3]); prev = s; }, 1000);
const rate = Number(process.env.RATE ?? 5000); const secs = 10; let next = 0; const t0 = performance.now();
for (let tick = 0; tick < secs * 10; tick++) {
  const chunk = lines.slice(next, next + rate / 10); next += rate / 10;
  const by = {}; for (const l of chunk) (by[topicOf(l)] ??= []).push({ value: l });
  await producer.sendBatch({ topicMessages: Object.entries(by).map(([topic, messages]) => ({ topic, messages })) });
  const wait = t0 + (tick + 1) * 100 - performance.now(); if (wait > 0) await new Promise(r => setTimeout(r, wait));
}
await new Promise(r => setTimeout(r, 5000)); clearInterval(iv);
const text = await (await fetch(`http://127.0.0.1:${MP}/metrics`)).text();
if (0) console.log(text.split('\n').filter(l => /^sluice_ingest_(latency_seconds|bulk_duration_seconds|bulk_documents)_(bucket|count|sum)/.test(l) && !/le="(0.005|0.01|0.025)"/.test(l)).join('\n'));
w.kill(); kids.forEach(k => k.kill()); await producer.disconnect(); process.exit(0);
