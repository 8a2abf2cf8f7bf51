import v8 from 'node:v8';
const mb = (n) => (n / 1048576).toFixed(1);
const show = (l) => { global.gc(); const m = process.memoryUsage(); const sp = Object.fromEntries(v8.getHeapSpaceStatistics().map(s => [s.space_name, mb(s.physical_space_size) + '/' + mb(s.space_used_size)])); console.log(l.padEnd(10), 'rss', mb(m.rss), 'heapUsed', mb(m.heapUsed), 'ab', mb(m.arrayBuffers), 'ext', mb(m.external), JSON.stringify(sp)); };
show('start');
const { loadConfig } = await import('./dist/shared/config.js').catch(() => ({}));
show('modules');
const { createEnrichers } = await import('./dist/pipelines/enrichers.js');
show('enr mod');
const which = process.argv.slice(2);
for (const e of which) { globalThis['k' + e] = await createEnrichers({ geoip: {}, trustedProxies: [], redact: { enabled: true, extraKeys: [], extraPatterns: [] }, loginPaths: undefined, uaRegexes: undefined, internalNetworks: undefined, crs: { paranoia: 1, threshold: 5, exclude: [] , dir: undefined}, enrichers: [e] }).catch(e => console.log(e.message)); show(e); }
