// Loaded with `node --import` by bench/scale.ts: on exit, writes the process's peak RSS (kB) to the
// file named by GITSCALE_BENCH_RSS, so a benchmark can report the memory of a CLI run it spawned.
import { writeFileSync } from 'node:fs';

const file = process.env.GITSCALE_BENCH_RSS;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
