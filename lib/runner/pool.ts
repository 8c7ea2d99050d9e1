// A bounded pool: runs `fn` over every item with at most `limit` in flight, keeping the
// results in input order. Probes are mostly waiting on timeouts, so the pool size, not the
// core count, bounds a run's wall time: about ceil(probes / limit) × the slowest timeout.
// The pool itself is a leaf of lib/ (lib/pool.ts), shared with the netns provider.
import { mapPool } from '../pool.ts';

export { mapPool };

/**
 * mapPool over lanes at once, each with its own limit (attempts a probe agent makes beside
 * spawned tools), results in input order. Within a lane, items `first` says yes to start
 * before the rest: the ones that will wait out a whole timeout, so the quick ones fill the
 * gaps they leave instead of trailing at the end (longest first).
 */
export async function mapLanes<T, R>(
  items: readonly T[],
  laneOf: (item: T) => number,
  limits: readonly number[],
  fn: (item: T, index: number) => Promise<R>,
  first: (item: T) => boolean = () => false,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const lanes = limits.map(() => [] as number[]);
  items.forEach((item, i) => {
    const lane = lanes[laneOf(item)];
    if (!lane) throw new RangeError(`no lane ${laneOf(item)} (${limits.length} lanes)`);
    lane.push(i);
  });
  await Promise.all(
    lanes.map(async (lane, l) => {
      const ordered = [...lane.filter((i) => first(items[i] as T)), ...lane.filter((i) => !first(items[i] as T))];
      if (ordered.length === 0) return;
      await mapPool(ordered, limits[l] as number, async (i) => {
        results[i] = await fn(items[i] as T, i);
      });
    }),
  );
  return results;
}
