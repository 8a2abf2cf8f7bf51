import { spawn } from 'node:child_process';
import { Client } from '@elastic/elasticsearch';
const EP = 19333;
const k = spawn('node', ['dist/bin/sluice.js', 'emulate', 'elasticsearch', '--port', EP], { stdio: 'inherit' });
await new Promise(r => setTimeout(r, 1500));
const es = new Client({ node: `http://127.0.0.1:${EP}` });
let seq = 0; let bad = 0;
for (let round = 0; round < 60; round++) {
  const ops = [];
  for (let i = 0; i < 500; i++) { ops.push({ create: { _index: round % 2 ? 'logs-a-x' : 'logs-b-x' } }, { '@timestamp': new Date().toISOString(), rendiff: { seq: seq++ } }); }
  await es.bulk({ operations: ops, refresh: round % 3 === 0 ? 'true' : 'false' });
  if (round % 2 === 0) {
    await new Promise(r => setTimeout(r, 150));
    const c1 = (await es.count({ index: 'logs-*' })).count;
    const c2 = (await es.count({ index: 'logs-*', query: { range: { 'rendiff.seq': { gte: 0 } } } })).count;
    const h = await es.search({ index: 'logs-*', size: 10000, query: { range: { 'rendiff.seq': { gte: Math.max(0, seq - 3000) } } } });
    if (c1 !== c2) { bad++; console.log('round', round, 'count all', c1, 'range', c2, 'recent hits', h.hits.hits.length); }
  }
}
await new Promise(r => setTimeout(r, 1500));
console.log('final all', (await es.count({ index: 'logs-*' })).count, 'range', (await es.count({ index: 'logs-*', query: { range: { 'rendiff.seq': { gte: 0 } } } })).count, 'bad rounds', bad);
k.kill(); process.exit(0);
