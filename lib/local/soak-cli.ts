import { parseArgs } from 'node:util';
import { formatFigures, runSoak, type SoakSemantic } from './soak.ts';

/**
 * `npm run soak [-- --seed N --batches N --minutes N --semantic at-least-once|exactly-once-multi|exactly-once-per-table|all]`.
 * Prints the seed and the figures; exits 1 when a record was lost, a Primary Key value is wrong,
 * or (exactly-once) a row is duplicated.
 */
const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    batches: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '10' },
    semantic: { type: 'string', default: 'all' },
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
  });
  console.log(formatFigures(figures));
  if (
    figures.lost > 0 ||
    figures.pkMismatches > 0 ||
    (semantic !== 'at-least-once' && figures.duplicates > 0)
  )
    bad = true;
}
process.exit(bad ? 1 : 0);
