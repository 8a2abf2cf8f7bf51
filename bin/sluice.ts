#!/usr/bin/env node
// The command line as one bundle of modules (bin/bundle.ts, the last step of `npm run build`): Node loading the
// 900-odd files of Sluice and its dependencies one by one cost a worker 0.25–0.45 of its 1.5–1.8 CPU-seconds to ready (1.26–1.31 bundled).
await import(new URL('../cli/sluice.js', import.meta.url).href);
