// Module init (cold start) of the built bundle: import time in fresh processes.
import { execFileSync } from 'node:child_process';

const RUNS = 7;
const script = `
const t = performance.now();
await import(${JSON.stringify(new URL('../dist/sink/index.mjs', import.meta.url).href)});
console.log(performance.now() - t);`;
const env = {
  ...process.env,
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  SINK_CONFIG: JSON.stringify({
    'starrocks.http.url': '127.0.0.1:8030',
    'starrocks.database.name': 'bench',
    'starrocks.username': 'root',
    'starrocks.password': '',
  }),
};
const times = Array.from({ length: RUNS }, () =>
  Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }).trim(),
  ),
);
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({ runs: RUNS, median: times[Math.floor(RUNS / 2)], min: times[0], max: times.at(-1) }),
);
