// The control mapping: which controls a live allow/deny test evidences, and how far. The
// built-in mapping is data (controls.yaml beside this file); `--controls-map <file>` adds
// or replaces entries. Bad map files are user input: InputError with file:line.
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import { libAsset } from '../paths.ts';
import { yamlData } from '../yaml-input.ts';
import { countVerdicts, type EvidenceClass, type FlowResult } from '../types.ts';

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
  })
  .strict();
const mapSchema = z.object({ controls: z.array(controlSchema) }).strict();

export type ControlDef = z.infer<typeof controlSchema>;
export type ControlStatus = 'satisfied' | 'not-satisfied' | 'inconclusive' | 'not-assessed' | 'no-flows';

export interface ControlEvaluation {
  control: ControlDef;
  flows: FlowResult[];
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
  throw new InputError(
    parsed.error.issues.map((issue) => {
      // The value at the path, or its nearest written ancestor.
      let node: { range?: [number, number] | null } | undefined;
      for (let n = issue.path.length; n >= 0 && !node?.range; n--) node = doc.getIn(issue.path.slice(0, n) as Array<string | number>, true) as typeof node;
      return { location: at(node?.range?.[0] ?? 0), message: `${issue.path.join('.') || '(root)'}: ${issue.message}` };
    }),
  );
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
 * Judges each control from the flows tagged with it. A control whose evidence is `none` is
 * never satisfied by this test; one with no flows is listed as not evidenced by this run.
 */
export function evaluateControls(controls: ControlDef[], flows: FlowResult[]): { evaluations: ControlEvaluation[]; unmapped: Array<{ id: string; flows: FlowResult[] }> } {
  const byControl = new Map<string, FlowResult[]>();
  const unmapped = new Map<string, FlowResult[]>();
  for (const f of flows) {
    for (const id of f.controls ?? []) {
      const def = findControl(controls, id);
      const bucket = def ? byControl : unmapped;
      const key = def ? def.id : id;
      bucket.set(key, [...(bucket.get(key) ?? []), f]);
    }
  }
  const evaluations = controls.map((control): ControlEvaluation => {
    const tagged = byControl.get(control.id) ?? [];
    const { pass, fail, error } = countVerdicts(tagged);
    if (tagged.length === 0) return { control, flows: tagged, status: 'no-flows', why: 'No flow in this run is tagged with this control.' };
    if (control.evidence === 'none')
      return { control, flows: tagged, status: 'not-assessed', why: 'A live allow/deny test cannot evidence this control; the tagged flows are listed for reference only.' };
    if (fail > 0) return { control, flows: tagged, status: 'not-satisfied', why: `${fail} of ${tagged.length} tagged flows violated the declared expectation.` };
    if (error > 0)
      return { control, flows: tagged, status: 'inconclusive', why: `${error} of ${tagged.length} tagged flows were inconclusive; ${pass} passed. Inconclusive flows are not evidence.` };
    const scope = control.evidence === 'partial' ? ' (partial evidence only: see what it does not show)' : '';
    return { control, flows: tagged, status: 'satisfied', why: `All ${pass} tagged flows behaved as declared${scope}.` };
  });
  return { evaluations, unmapped: [...unmapped.entries()].map(([id, fl]) => ({ id, flows: fl })) };
}

/**
 * A control's status as every report prints it. An emulated run (netns) never reads
 * "Evidenced": what held, held under flowproof's own enforcement of the policy documents.
 */
export function statusLabel(status: ControlStatus, cls: EvidenceClass | undefined): string {
  switch (status) {
    case 'satisfied':
      return cls === 'emulated' ? 'Holds in emulation (design only)' : 'Evidenced';
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
