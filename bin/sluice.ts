#!/usr/bin/env node
// The command line as one bundle of modules (bin/bundle.ts, the last step of `npm run build`): Node loading the
// 900-odd files of Sluice and its dependencies one by one cost a worker about 0.3 of its 1.7–1.9 CPU-seconds to ready.
await import(new URL('../cli/sluice.js', import.meta.url).href);
