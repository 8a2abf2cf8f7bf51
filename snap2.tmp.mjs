import { readFileSync } from 'node:fs';
const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const m = snap.snapshot.meta; const nf = m.node_fields.length; const types = m.node_types[0]; const strings = snap.strings;
const iType = m.node_fields.indexOf('type'), iName = m.node_fields.indexOf('name'), iSize = m.node_fields.indexOf('self_size');
const agg = new Map();
for (let i = 0; i < snap.nodes.length; i += nf) { const t = types[snap.nodes[i + iType]]; if (t !== process.argv[3]) continue; const n = strings[snap.nodes[i + iName]]; const key = String(n).slice(0, 60); const e = agg.get(key) ?? [0, 0]; e[0] += snap.nodes[i + iSize]; e[1]++; agg.set(key, e); }
for (const [k, v] of [...agg].sort((a, b) => b[1][0] - a[1][0]).slice(0, 15)) console.log((v[0] / 1048576).toFixed(2).padStart(7), String(v[1]).padStart(7), k);
