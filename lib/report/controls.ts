// The control mapping: which controls a live allow/deny test evidences, and how far. The
// built-in mapping is data (controls.yaml beside this file); `--controls-map <file>` adds
// or replaces entries. Bad map files are user input: InputError with file:line.
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import { libAsset } from '../paths.ts';
import { yamlData, YamlSource } from '../yaml-input.ts';
import { countVerdicts, type EvidenceClass, type FlowResult } from '../types.ts';
import { judgeTlsControl } from './tls-controls.ts';

export const builtinControlsPath = libAsset('report/controls.yaml');

const controlSchema = z
  .object({
    id: z.string().min(1),
    aliases: z.array(z.string()).default([]),
    framework: z.string().min(1),
    reference: z.string().min(1),
    title: z.string().min(1),
    evidence: z.enum(['direct', 'partial', 'none']),
    shows: z.string().min(1),
    doesNotShow: z.string().min(1),
    /**
     * `run`: a segmentation control, judged over every flow of the run (each flow is a
     * segmentation test), not only the flows tagged with it; `tagged` (default): those only;
     * `tls-required`: an encryption-in-transit control, judged over the tagged flows that
     * declare tls: required only (tls-controls.ts): reachability alone never shows it.
     */
    judgedOver: z.enum(['run', 'tagged', 'tls-required']).default('tagged'),
    /** How often the control requires the test to be repeated, in months (PCI 11.4.5: 12; 11.4.6: 6). */
    retestMonths: z.number().int().positive().optional(),
    /** The retest requirement in words ("at least once every 12 months and after any change …"). */
    retest: z.string().min(1).optional(),
  })
  .strict();
const mapSchema = z.object({ controls: z.array(controlSchema) }).strict();

export type ControlDef = z.infer<typeof controlSchema>;
/** `supporting`: every judged flow behaved as declared, but the control's evidence is partial. */
export type ControlStatus = 'satisfied' | 'supporting' | 'not-satisfied' | 'inconclusive' | 'not-assessed' | 'no-flows';

export interface ControlEvaluation {
  control: ControlDef;
  /** The flows tagged with the control. */
  flows: FlowResult[];
  /** The flows its status is judged over: every flow of the run for a segmentation control (judgedOver: run), the tagged tls: required ones for an encryption control (judgedOver: tls-required), else the tagged ones. */
  judged: FlowResult[];
  status: ControlStatus;
  /** One sentence saying why the status is what it is. */
  why: string;
}

/** Reads and validates a control map file; problems are `file:line:col: message`. */
export function loadControlsFile(file: string): ControlDef[] {
  // A regular file within FLOWPROOF_MAX_INPUT_BYTES: a FIFO or a device is refused, not read.
  const text = readInputFile(file, { what: 'cannot read control map' });
  const lineCounter = new LineCounter();
  // No code frame in messages: one line per problem, the column in the location.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  if (doc.errors.length > 0) {
    throw new InputError(doc.errors.map((e) => ({ location: at(e.pos[0]), message: `YAML syntax: ${e.message.split('\n')[0]}` })));
  }
  const parsed = mapSchema.safeParse(yamlData(doc, file, lineCounter));
  if (parsed.success) return parsed.data.controls;
  // Each problem at the value of its path, or its nearest written ancestor.
  const src = new YamlSource(file, doc, lineCounter);
  throw new InputError(parsed.error.issues.map((issue) => ({ location: src.locate(issue.path), message: `${issue.path.join('.') || '(root)'}: ${issue.message}` })));
}

/** The built-in mapping, overlaid with a user's map when given (same id replaces). */
export function loadControls(userMapPath?: string): ControlDef[] {
  const merged = new Map<string, ControlDef>();
  for (const c of loadControlsFile(builtinControlsPath)) merged.set(c.id, c);
  if (userMapPath) for (const c of loadControlsFile(userMapPath)) merged.set(c.id, c);
  return [...merged.values()];
}

/** Finds the definition for a control id as written in a suite (id or alias, case-insensitive). */
export function findControl(controls: ControlDef[], id: string): ControlDef | undefined {
  const want = id.trim().toLowerCase();
  return controls.find((c) => c.id.toLowerCase() === want || c.aliases.some((a) => a.toLowerCase() === want));
}

/**
 * Judges each control a run's flows tag. A segmentation control (judgedOver: run) is judged
 * over every flow of the run: one passing tagged flow never hides a violation elsewhere in
 * the same segmentation test. A control whose evidence is `none` is never satisfied by this
 * test; a `partial` one is at most `supporting`; one no flow tags is not evidenced by this run.
 */
export function evaluateControls(controls: ControlDef[], flows: FlowResult[]): { evaluations: ControlEvaluation[]; unmapped: Array<{ id: string; flows: FlowResult[] }> } {
  const byControl = new Map<string, FlowResult[]>();
  const unmapped = new Map<string, FlowResult[]>();
  for (const f of flows) {
    for (const id of f.controls ?? []) {
      const def = findControl(controls, id);
      const bucket = def ? byControl : unmapped;
      const key = def ? def.id : id;
      const list = bucket.get(key) ?? [];
      if (!list.includes(f)) list.push(f);
      bucket.set(key, list);
    }
  }
  const evaluations = controls.map((control): ControlEvaluation => {
    const tagged = byControl.get(control.id) ?? [];
    const overRun = control.judgedOver === 'run';
    const judged = overRun ? flows : tagged;
    const base = { control, flows: tagged, judged };
    if (tagged.length === 0) return { ...base, status: 'no-flows', why: 'No flow in this run is tagged with this control.' };
    if (control.evidence === 'none')
      return { ...base, status: 'not-assessed', why: 'A live allow/deny test cannot evidence this control; the tagged flows are listed for reference only.' };
    if (control.judgedOver === 'tls-required') return { control, flows: tagged, ...judgeTlsControl(control, tagged) };
    const { pass, fail, error } = countVerdicts(judged);
    const untagged = (n: number, verdict: FlowResult['verdict']) => {
      const outside = judged.filter((f) => f.verdict === verdict && !tagged.includes(f)).length;
      if (!overRun || outside === 0) return '';
      if (outside === n) return n === 1 ? ' (it is not tagged with this control)' : ' (none of them is tagged with this control)';
      return ` (${outside} of them ${outside === 1 ? 'is' : 'are'} not tagged with this control)`;
    };
    const what = overRun ? `flows of the run` : 'tagged flows';
    const rule = overRun ? ' A segmentation control is judged over every flow of the run, not only the tagged ones.' : '';
    if (fail > 0) return { ...base, status: 'not-satisfied', why: `${fail} of ${judged.length} ${what} violated the declared expectation${untagged(fail, 'fail')}.${rule}` };
    if (error > 0)
      return { ...base, status: 'inconclusive', why: `${error} of ${judged.length} ${what} were inconclusive${untagged(error, 'error')}; ${pass} passed. Inconclusive flows are not evidence.${rule}` };
    const taggedNote = overRun ? ` (${tagged.length} tagged with this control)` : '';
    const all = pass === 1 ? `The one ${what.replace('flows', 'flow')}` : `All ${pass} ${what}`;
    if (control.evidence === 'partial')
      return { ...base, status: 'supporting', why: `${all} behaved as declared${taggedNote}; this is partial evidence that supports the control but does not cover it (see what it does not show).` };
    return { ...base, status: 'satisfied', why: `${all} behaved as declared${taggedNote}.` };
  });
  return { evaluations, unmapped: [...unmapped.entries()].map(([id, fl]) => ({ id, flows: fl })) };
}

/**
 * The flows a control's table lists: those tagged with it, then the run's other flows that did
 * not pass and count against it; for an encryption control (judgedOver: tls-required), the
 * flows it is judged over (a tagged flow without tls: required is evidence of nothing there).
 */
export function listedFlows(e: ControlEvaluation): FlowResult[] {
  if (e.control.judgedOver === 'tls-required') return e.judged;
  return [...e.flows, ...e.judged.filter((f) => f.verdict !== 'pass' && !e.flows.includes(f))];
}

/** What a control is judged over, in words (the report and OSCAL say it the same way). */
export function judgedOverText(e: ControlEvaluation): string {
  if (e.control.judgedOver === 'run') return `every flow of the run (${e.judged.length})`;
  if (e.control.judgedOver === 'tls-required') return `the tagged flows that declare tls: required (${e.judged.length} of ${e.flows.length} tagged)`;
  return `the tagged flows (${e.flows.length})`;
}

/**
 * A control's status as every report prints it. An emulated run (netns) never reads
 * "Evidenced": what held, held under flowproof's own enforcement of the policy documents.
 */
export function statusLabel(status: ControlStatus, cls: EvidenceClass | undefined): string {
  switch (status) {
    case 'satisfied':
      return cls === 'emulated' ? 'Holds in emulation (design only)' : 'Evidenced';
    case 'supporting':
      return cls === 'emulated' ? 'Supporting (partial; emulated)' : 'Supporting (partial)';
    case 'not-satisfied':
      return 'Violated';
    case 'inconclusive':
      return 'Inconclusive';
    case 'not-assessed':
      return 'Not assessable by this test';
    case 'no-flows':
      return 'No flows in this run';
  }
}

/** OSCAL control ids are NCName tokens: "HIPAA-164.312(a)(1)" becomes "HIPAA-164.312-a-1". */
export function oscalControlId(id: string): string {
  let token = id.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/-+/g, '-').replace(/-$/, '');
  if (!/^(\p{L}|_)/u.test(token)) token = `_${token}`;
  return token;
}
