import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
const which = process.argv[2];
let keep;
if (which === 'crs') { const { loadCrs } = await import('./dist/pipelines/enrich/crs/ruleset.js'); keep = loadCrs({}); }
if (which === 'ua') { const { createUserAgent } = await import('./dist/pipelines/enrich/user-agent.js'); keep = createUserAgent(); keep({user_agent:{original:'x'}}); }
if (which === 'geoip') { const { createGeoip } = await import('./dist/pipelines/enrich/geoip.js'); keep = await createGeoip({}); }
globalThis.keep = keep;
const file = v8.writeHeapSnapshot('/tmp/h-' + which + '.heapsnapshot');
const snap = JSON.parse(readFileSync(file, 'utf8'));
const m = snap.snapshot.meta; const nf = m.node_fields.length; const types = m.node_types[0]; const strings = snap.strings;
const iType = m.node_fields.indexOf('type'), iName = m.node_fields.indexOf('name'), iSize = m.node_fields.indexOf('self_size');
const agg = new Map(); let total = 0;
for (let i = 0; i < snap.nodes.length; i += nf) { const t = types[snap.nodes[i + iType]]; let n = strings[snap.nodes[i + iName]]; if (t === 'string' || t === 'concatenated string' || t === 'sliced string') n = '(string)'; if (t === 'code') n = '(code) ' + n.slice(0, 30); const key = t + ' ' + String(n).slice(0, 60); const s = snap.nodes[i + iSize]; total += s; agg.set(key, (agg.get(key) ?? 0) + s); }
console.log('total MB', (total / 1048576).toFixed(1));
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((v / 1048576).toFixed(2).padStart(7), k);
