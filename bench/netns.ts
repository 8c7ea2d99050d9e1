// netns provider timings: bring-up of the 9-pod 3×3 topology with its servers (plus the
// cluster DNS the loader adds) and its teardown. Goals: up < 5 s, down < 2 s on 2 cores.
// Needs root. `node --import tsx bench/netns.ts` runs it alone.
import { cpus } from 'node:os';
import { NetnsProvider } from '../lib/providers/netns/index.ts';
import { suite3x3 } from '../test/netns/suites.ts';

export async function benchNetns(): Promise<Array<{ name: string; ms: number; goalMs: number; note?: string }>> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return [
      { name: 'netns: up 3×3 topology with servers (needs root: not run)', ms: Number.NaN, goalMs: 5000, note: 'run as root' },
      { name: 'netns: down 3×3 topology (needs root: not run)', ms: Number.NaN, goalMs: 2000, note: 'run as root' },
    ];
  }
  const runs = 3;
  const ups: number[] = [];
  const downs: number[] = [];
  const spawns: number[] = [];
  for (let i = 0; i < runs; i++) {
    const provider = new NetnsProvider();
    const t0 = performance.now();
    try {
      await provider.up(suite3x3());
      ups.push(performance.now() - t0);
      spawns.push(provider.timings.up?.spawns ?? Number.NaN);
    } finally {
      const t1 = performance.now();
      await provider.down();
      downs.push(performance.now() - t1);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const note = `median of ${runs}; 10 pods incl. coredns; ${median(spawns)} processes spawned by node; ${cpus().length} cores`;
  return [
    { name: 'netns: up 3×3 topology with servers', ms: median(ups), goalMs: 5000, note },
    { name: 'netns: down 3×3 topology', ms: median(downs), goalMs: 2000, note },
  ];
}

if (process.argv[1] && /bench\/netns\.ts$/.test(process.argv[1])) {
  for (const f of await benchNetns()) {
    console.log(`${f.name.padEnd(44)} ${f.ms.toFixed(0).padStart(6)} ms   goal ${f.goalMs} ms   ${f.ms <= f.goalMs ? 'meets goal' : 'MISSES goal'}  (${f.note})`);
  }
}
