// Live progress while flows are probed: one updating line on a TTY, sparse plain lines in
// CI logs. Always on stderr so `--json` keeps stdout clean.
import type { Attempt } from '../types.ts';
import type { PlannedFlow } from './probe-flows.ts';

export interface Progress {
  onProbed(done: number, total: number, planned: PlannedFlow, attempts: Attempt[]): void;
  finish(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const tty = Boolean(stream.isTTY) && process.env.CI !== 'true';
  const started = Date.now();
  let answeredDenies = 0;
  let lastDecile = -1;
  return {
    onProbed(done, total, planned, attempts) {
      if (quiet) return;
      if (planned.resolved.flow.expect === 'deny' && attempts.some((a) => a.outcome === 'ALLOWED')) answeredDenies++;
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const leak = answeredDenies ? ` · ${answeredDenies} declared-deny flow(s) answered` : '';
      if (tty) {
        stream.write(`\r\x1b[2K${label}: probed ${done}/${total} flows in ${secs}s${leak}`);
        return;
      }
      const decile = Math.floor((done / total) * 10);
      if (decile !== lastDecile || done === total) {
        lastDecile = decile;
        stream.write(`${label}: probed ${done}/${total} flows in ${secs}s${leak}\n`);
      }
    },
    finish() {
      if (tty && !quiet) stream.write('\n');
    },
  };
}
