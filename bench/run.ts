// npm run bench: every benchmark, each printed with its goal (`npm run bench <name>` runs one:
// cli, policy, netns, scale, schedule, matrix, run, diff, report, steps). Performance is measured here,
// never asserted in tests. Needs root for the netns parts.
import { benchPolicy } from './policy.ts';
import { benchNetns } from './netns.ts';
import { benchSchedule } from './schedule.ts';
import { benchMatrix } from './matrix.ts';
import { benchCli } from './cli.ts';
import { benchRunWall } from './run-wall.ts';
import { benchDiff } from './diff.ts';
import { benchSteps } from './steps.ts';
import { benchScale } from './scale.ts';
import { benchReport } from './report.ts';

interface Figure {
  name: string;
  /** The measure, in `unit` (milliseconds unless said). */
  ms: number;
  goalMs: number;
  note?: string;
  unit?: 'ms' | 'MiB';
}

function print(f: Figure): void {
  const verdict = f.ms <= f.goalMs ? 'meets goal' : 'MISSES goal';
  const unit = f.unit ?? 'ms';
  console.log(`${f.name.padEnd(58)} ${f.ms.toFixed(0).padStart(7)} ${unit.padEnd(3)}   goal ${String(f.goalMs).padStart(6)} ${unit.padEnd(3)}   ${verdict}${f.note ? `  (${f.note})` : ''}`);
}

const only = process.argv[2];
const figures: Figure[] = [];
if (!only || only === 'cli') figures.push(...(await benchCli()));
if (!only || only === 'policy') figures.push(await benchPolicy());
if (!only || only === 'netns') figures.push(...(await benchNetns()));
if (!only || only === 'scale') figures.push(...(await benchScale()));
if (!only || only === 'schedule') figures.push(...(await benchSchedule()));
if (!only || only === 'matrix') figures.push(...(await benchMatrix()));
if (!only || only === 'run') figures.push(...(await benchRunWall()));
if (!only || only === 'diff') figures.push(...(await benchDiff()));
if (!only || only === 'steps') figures.push(...(await benchSteps()));
if (!only || only === 'report') figures.push(...(await benchReport()));
console.log('');
figures.forEach(print);
