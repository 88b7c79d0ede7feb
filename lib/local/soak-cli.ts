import { parseArgs } from 'node:util';
import { formatFigures, runSoak, type SoakSemantic } from './soak.ts';

/**
 * `npm run soak [-- --seed N --batches N --minutes N --semantic at-least-once|exactly-once-multi|exactly-once-per-table|all --max-concurrent-loads N]`.
 * Prints the seed and the figures; exits 1 when a record was lost, a Primary Key value is wrong,
 * (exactly-once) a row is duplicated, or more loads were in flight than the bound.
 */
const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    batches: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '10' },
    semantic: { type: 'string', default: 'all' },
    'max-concurrent-loads': { type: 'string' },
  },
});
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const semantics: SoakSemantic[] =
  values.semantic === 'all'
    ? ['at-least-once', 'exactly-once-multi', 'exactly-once-per-table']
    : [values.semantic as SoakSemantic];
const deadline = Date.now() + Number(values.minutes) * 60_000;
console.log(`soak seed=${seed} (repeat with --seed ${seed})`);
let bad = false;
for (const semantic of semantics) {
  const figures = await runSoak({
    seed,
    semantic,
    maxBatches: Number(values.batches),
    maxMs: Math.max(1000, (deadline - Date.now()) / (semantics.length - semantics.indexOf(semantic))),
    ...(values['max-concurrent-loads'] === undefined
      ? {}
      : { maxConcurrentLoads: Number(values['max-concurrent-loads']) }),
  });
  console.log(formatFigures(figures));
  if (
    figures.lost > 0 ||
    figures.mostLoadsInFlight > figures.maxConcurrentLoads ||
    figures.pkMismatches > 0 ||
    (semantic !== 'at-least-once' && figures.duplicates > 0)
  )
    bad = true;
}
process.exit(bad ? 1 : 0);
