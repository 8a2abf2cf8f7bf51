import { benchPipeline } from './dist/bench/pipeline.js';
const rows = await benchPipeline();
for (const r of rows) console.log(JSON.stringify(r).slice(0, 220));
