// The evidence bundle of a run at scale (issue 19 item 4): a 10-namespace × 10-pod world,
// every pod to every other on 80/TCP and 53/UDP (19,800 records, test/report/scale-fixture.ts),
// written whole by writeBundle (the predicted graph left out: it is drawn while the flows
// are probed). Prints the time of each format's rendering, the size of what it writes and
// the whole bundle's wall and CPU time (the CPU time says more on a shared machine). Goal:
// the bundle in under 60 s, index.html under 5 MB.
// `node --import tsx bench/report.ts` (or `npm run bench report`) runs it alone.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeBundle } from '../lib/report/index.ts';
import { evaluateControls, loadControls } from '../lib/report/controls.ts';
import { type FormatContext, formats } from '../lib/report/formats.ts';
import { makeScrubber } from '../lib/report/scrub.ts';
import { scaleRun } from '../test/report/scale-fixture.ts';
import { suiteFor } from '../test/report/fixture.ts';

const bundleGoalMs = 60_000;
const htmlGoalBytes = 5_000_000;
const htmlGoalMs = 2_000;

interface Figure {
  name: string;
  ms: number;
  goalMs: number;
  note?: string;
}

function sizeOf(path: string): { bytes: number; files: number } {
  const st = statSync(path);
  if (!st.isDirectory()) return { bytes: st.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(path)) {
    const s = sizeOf(join(path, e));
    bytes += s.bytes;
    files += s.files;
  }
  return { bytes, files };
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

/** Each format rendered alone (no disk), as writeBundle calls it: time, files, bytes (printed); the milliseconds per format. */
function renderTimes(run: ReturnType<typeof scaleRun>): Map<string, number> {
  const scrub = makeScrubber(process.env);
  const controls = loadControls();
  const { evaluations, unmapped } = evaluateControls(controls, run.flows);
  const ctx: FormatContext = {
    scrub,
    controls,
    evaluations,
    unmapped,
    evidence: [],
    filesSoFar: () => [],
    policyFiles: () => ({}),
    rerendered: false,
    allureHtml: false,
    renderedAt: new Date().toISOString(),
    signing: { signed: false },
    bundleDir: 'bench',
    graph: { absent: 'not drawn in this benchmark' },
  };
  const times = new Map<string, number>();
  for (const f of formats) {
    const t = performance.now();
    const out = f.render(run, ctx);
    const ms = performance.now() - t;
    const contents = typeof out === 'string' ? [out] : out.map((x) => x.content);
    const bytes = contents.reduce((n, c) => n + Buffer.byteLength(c), 0);
    const s = performance.now();
    for (const c of contents) scrub.file(f.file.endsWith('/') ? 'x.json' : f.file, c);
    console.log(`  ${f.file.padEnd(32)} render ${ms.toFixed(0).padStart(6)} ms  scrub ${(performance.now() - s).toFixed(0).padStart(6)} ms  ${String(contents.length).padStart(6)} file(s)  ${mb(bytes)}`);
    times.set(f.file, ms);
  }
  return times;
}

export async function benchReport(): Promise<Figure[]> {
  const run = scaleRun();
  console.log(`report at scale: ${run.flows.length} records (${run.summary.pass} pass, ${run.summary.fail} fail, ${run.summary.error} inconclusive) on ${cpus().length} cores, ${cpus()[0]?.model ?? 'cpu unknown'}`);
  const times = renderTimes(run);
  const root = mkdtempSync(join(tmpdir(), 'flowproof-bench-report-'));
  try {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const out = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle'), graph: Promise.resolve({ absent: 'not drawn in this benchmark' }) });
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const html = sizeOf(join(out.dir, 'index.html')).bytes;
    const whole = sizeOf(out.dir);
    for (const name of ['results.json', 'junit.xml', 'allure-results', 'policy-report.yaml', 'oscal-assessment-results.json', 'summary.md', 'index.html']) {
      const s = sizeOf(join(out.dir, name));
      console.log(`  ${name.padEnd(32)} ${mb(s.bytes).padStart(10)}  ${s.files} file(s)`);
    }
    return [
      { name: `bundle of ${run.flows.length} records (writeBundle, no graph)`, ms, goalMs: bundleGoalMs, note: `${whole.files} files, ${mb(whole.bytes)}; CPU ${((used.user + used.system) / 1000).toFixed(0)} ms: on a busy machine the wall time is above it` },
      { name: `index.html of ${run.flows.length} records (render)`, ms: times.get('index.html') ?? 0, goalMs: htmlGoalMs, note: `${mb(html)}: ${html < htmlGoalBytes ? 'under' : 'OVER'} the 5 MB goal` },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const f of await benchReport()) console.log(`${f.name.padEnd(58)} ${f.ms.toFixed(0).padStart(7)} ms   goal ${f.goalMs} ms${f.note ? `  (${f.note})` : ''}`);
}
