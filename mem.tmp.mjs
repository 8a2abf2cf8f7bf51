import { createGeoip } from './dist/pipelines/enrich/geoip.js';
import { loadCrs } from './dist/pipelines/enrich/crs/ruleset.js';
const mb = (n) => (n / 1048576).toFixed(1);
const show = (label) => { if (!process.env.NOGC) { global.gc(); global.gc(); } const m = process.memoryUsage(); console.log(label.padEnd(12), 'rss', mb(m.rss), 'heapUsed', mb(m.heapUsed), 'heapTotal', mb(m.heapTotal), 'external', mb(m.external), 'ab', mb(m.arrayBuffers)); };
show('start');
const g = await createGeoip({});
show('geoip');
const steps = process.argv.slice(2);
if (steps.includes('crs')) { const c = loadCrs({}); show('crs'); globalThis.keep = c; }
if (steps.includes('ua')) { const { createUserAgent } = await import('./dist/pipelines/enrich/user-agent.js'); globalThis.ua = createUserAgent(); globalThis.ua({user_agent:{original:'Mozilla/5.0'}}); show('ua'); }
await new Promise(r => setTimeout(r, +(process.env.WAIT ?? 3000))); show('later');
const v8 = await import('node:v8');
for (const s of v8.getHeapSpaceStatistics()) console.log(s.space_name.padEnd(24), 'size', mb(s.space_size), 'used', mb(s.space_used_size), 'phys', mb(s.physical_space_size));
