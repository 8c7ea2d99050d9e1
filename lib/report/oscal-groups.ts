// Which OSCAL observation stands for each flow (issue 19 item 4). A run up to LARGE_RUN_FLOWS
// gets one observation per flow. A larger one would make a document of tens of megabytes
// (20,000 observations with their props and evidence links): there, the flows that passed are
// grouped into one observation per namespace pair (source namespace → destination namespace,
// as the report's matrix groups them), and every flow that did not pass keeps an observation
// of its own. Each grouped flow remains a record of its own in results.json and junit.xml.
import type { FlowResult, RunResult } from '../types.ts';
import { endpointGroup } from './flow-view.ts';
import { isLargeRun } from './scale.ts';

export interface PassGroup {
  /** The stable name its UUID is derived from. */
  key: string;
  from: string;
  to: string;
  flows: FlowResult[];
}

export interface ObservationPlan {
  /** Flows with an observation of their own, in run order. */
  individual: FlowResult[];
  /** Passing flows grouped by namespace pair (empty for a run up to LARGE_RUN_FLOWS). */
  groups: PassGroup[];
  /** The group a flow is observed in, when grouped. */
  groupOf(f: FlowResult): PassGroup | undefined;
}

export function observationPlan(run: RunResult): ObservationPlan {
  if (!isLargeRun(run)) return { individual: run.flows, groups: [], groupOf: () => undefined };
  const byPair = new Map<string, PassGroup>();
  const of = new Map<FlowResult, PassGroup>();
  const individual: FlowResult[] = [];
  for (const f of run.flows) {
    if (f.verdict !== 'pass') {
      individual.push(f);
      continue;
    }
    const from = endpointGroup(f.source);
    const to = endpointGroup(f.destination);
    const key = `passed:${from}\u0000${to}`;
    const group = byPair.get(key) ?? { key, from, to, flows: [] };
    group.flows.push(f);
    byPair.set(key, group);
    of.set(f, group);
  }
  return { individual, groups: [...byPair.values()], groupOf: (f) => of.get(f) };
}
