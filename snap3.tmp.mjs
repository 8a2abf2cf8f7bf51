import { readFileSync } from 'node:fs';
const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const m = snap.snapshot.meta; const nf = m.node_fields.length; const types = m.node_types[0];
const iType = m.node_fields.indexOf('type'), iSize = m.node_fields.indexOf('self_size');
const lf = m.location_fields.length; const loc = snap.locations;
const agg = new Map();
for (let i = 0; i < loc.length; i += lf) { const node = loc[i]; const t = types[snap.nodes[node + iType]]; if (t !== 'closure') continue; const key = loc[i + 1] + ':' + (loc[i + 2] + 1) + ':' + loc[i + 3]; agg.set(key, (agg.get(key) ?? 0) + 1); }
const top = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 12);
console.log(top);
