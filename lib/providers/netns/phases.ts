// Where a bring-up or a teardown spends its time: each phase's start (from the clock's
// creation) and duration, and how many processes the provider spawned in all. Phases may
// overlap (the Service DNAT loads run while the pods' links are configured). Read by
// `npm run bench` (bench/scale.ts); costs nothing worth measuring.

export interface Phase {
  name: string;
  /** Milliseconds from the clock's start to the phase's start. */
  startMs: number;
  ms: number;
}

/** A whole bring-up or teardown: its wall time, the processes it spawned, its phases. */
export interface PhaseReport {
  ms: number;
  spawns: number;
  phases: Phase[];
}

let spawned = 0;

/** Counts one process the provider starts (a setup command, a server, the helper). */
export function countSpawn(): void {
  spawned++;
}

/** Processes the provider has started since this process began. */
export function spawnCount(): number {
  return spawned;
}

export class PhaseClock {
  private readonly t0 = performance.now();
  private readonly spawns0 = spawnCount();
  readonly phases: Phase[] = [];

  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.phases.push({ name, startMs: start - this.t0, ms: performance.now() - start });
    }
  }

  /** A phase timed elsewhere: from `start` (a performance.now() value) to now. */
  add(name: string, start: number): void {
    this.phases.push({ name, startMs: start - this.t0, ms: performance.now() - start });
  }

  /** Processes spawned since the clock started. */
  spawns(): number {
    return spawnCount() - this.spawns0;
  }

  elapsedMs(): number {
    return performance.now() - this.t0;
  }
}
