import { spawn } from 'node:child_process';
import { Client } from '@elastic/elasticsearch';
import { createEnrichers } from '/work/main/dist/pipelines/enrichers.js';
import { createPipeline } from '/work/main/dist/pipelines/pipeline.js';
import { loadConfig } from '/work/main/dist/shared/config.js';
import { applyIlm } from '/work/main/dist/shared/ilm/apply.js';
import { loadIlmFiles } from '/work/main/dist/shared/ilm/files.js';
import { BULK_ANSWER } from '/work/main/dist/services/ingest/bulk-indexer.js';
import { documentId } from '/work/main/dist/services/ingest/batches.js';
import { realisticLines, topicOf } from '/work/main/dist/bench/pipeline.js';
import { cpuMs, waitForPort } from '/work/main/dist/bench/process.js';
const port = 19377;
const flags = (process.env.FLAGS ?? '').split(' ').filter(Boolean);
const child = spawn('node', [...flags, '/work/main/dist/bin/sluice.js', 'emulate', 'elasticsearch', '--port', String(port)], { stdio: 'ignore', env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' } });
await waitForPort(port);
const url = `http://127.0.0.1:${port}`;
const es = new Client({ node: url });
await applyIlm(es, loadIlmFiles());
const { enrichers, close } = await createEnrichers(loadConfig({}));
const pipeline = createPipeline({ namespace: 'default', enrichers });
const bodies = []; let body = ''; let n = 0; const offsets = new Map();
for (const line of realisticLines(Number(process.env.N ?? 100000))) {
  const topic = topicOf(line); const offset = offsets.get(topic) ?? 0; offsets.set(topic, offset + 1);
  const outcome = pipeline({ value: line, topic }); if (!outcome.ok) continue;
  const s = outcome.document.data_stream;
  body += `{"create":{"_index":"${s.type}-${s.dataset}-${s.namespace}","_id":${JSON.stringify(documentId(topic, 0, String(offset)))}}}\n${JSON.stringify(outcome.document)}\n`;
  n += 1; if (n % 1000 === 0) { bodies.push(body); body = ''; }
}
if (body) bodies.push(body);
close();
const before = cpuMs(child.pid);
await Promise.all([0, 1].map(async (lane) => { for (let i = lane; i < bodies.length; i += 2) { const r = await fetch(`${url}/_bulk?filter_path=${BULK_ANSWER}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: bodies[i] }); const t = await r.text(); if (!t.startsWith('{"errors":false')) throw new Error(t.slice(0, 300)); } }));
const used = cpuMs(child.pid) - before;
console.log('docs', n, 'µs/doc', (used * 1000 / n).toFixed(2));
child.kill('SIGINT'); await new Promise((r) => child.on('exit', r));
process.exit(0);
