import { benchIngest } from './dist/bench/ingest.js';
const rows = await benchIngest();
for (const r of rows) console.log(r.name, '=>', Math.round(r.value), r.unit);
