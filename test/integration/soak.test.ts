import { describe, expect, it } from 'vitest';
import { formatFigures, runSoak, type SoakSemantic } from '../../lib/local/soak.ts';

/**
 * A short, bounded soak with a fixed seed (`npm run soak` runs the long one): the built bundle
 * through the event-source mapping's retry semantics against the stand-in with injected faults
 * and crashes. The figures are printed so a CI log shows them.
 */

const SEED = 20261125;

describe('the soak (fixed seed, 30 batches)', () => {
  it.each([['at-least-once'], ['exactly-once-multi'], ['exactly-once-per-table']] as const)(
    'loses nothing and keeps Primary Key values right: %s',
    async (semantic: SoakSemantic) => {
      const figures = await runSoak({ seed: SEED, semantic, maxBatches: 30, maxMs: 60_000 });
      console.log(formatFigures(figures));

      expect(figures.faultsInjected).toBeGreaterThan(0);
      expect(figures.failed + figures.succeeded).toBe(figures.batches);
      expect(figures.lost).toBe(0);
      expect(figures.pkMismatches).toBe(0);
      if (semantic !== 'at-least-once') expect(figures.duplicates).toBe(0);
      expect(figures.mostLoadsInFlight).toBeGreaterThan(0);
      expect(figures.mostLoadsInFlight).toBeLessThanOrEqual(figures.maxConcurrentLoads);
    },
    120_000,
  );

  it.each([['at-least-once'], ['exactly-once-per-table']] as const)(
    'keeps loads to sink.max.concurrent.loads=1 through faults, retries and crashes: %s',
    async (semantic: SoakSemantic) => {
      const figures = await runSoak({
        seed: SEED,
        semantic,
        maxBatches: 30,
        maxMs: 60_000,
        maxConcurrentLoads: 1,
      });
      console.log(formatFigures(figures));

      expect(figures.lost).toBe(0);
      expect(figures.mostLoadsInFlight).toBe(1);
    },
    120_000,
  );
});
