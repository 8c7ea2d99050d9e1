// One row of the coverage table (coverage.ts): a rule item (peer × port) of a NetworkPolicy
// or admin rule, where it is written, and the flows that exercise it and probe its boundary.
import type { Direction } from './compile.ts';

/** Where an item is written in its policy: spec.<direction>[rule], its peer (from/to) and port entry. */
export interface RuleItemRef {
  direction: Direction;
  rule: number;
  /** Index in from/to; absent when the rule has no peers (every peer). */
  peer?: number;
  /** Index in ports (or a CNP's protocols); absent when the rule has none (every port). */
  port?: number;
}

export interface RuleItemCoverage {
  /** "<ns>/<name>", or an admin policy's "anp/<name>", "banp/default", "cnp/<name>". */
  policy: string;
  /** "<ns>/<name> ingress[0]", or an admin rule's label: "anp/x ingress[1] (priority 10, Deny)" */
  rule: string;
  /** Set for admin rules: the tier the rule belongs to. */
  tier?: 'admin' | 'baseline';
  /** "from[1] (podSelector app=api)" or "from anywhere" */
  peer: string;
  /** "port 5432/TCP" or "any port" */
  port: string;
  ref: RuleItemRef;
  /** Flows that exercise the item. */
  flows: string[];
  /** Flows that probe its boundary. */
  boundaryFlows: string[];
  /** The item matches every peer and every port: nothing is just outside it, no boundary flow is needed. */
  noBoundary?: true;
  /** Exercised, and its boundary probed (or it has none). */
  covered: boolean;
}

export function newItem(fields: Omit<RuleItemCoverage, 'flows' | 'boundaryFlows' | 'covered'>): RuleItemCoverage {
  return { ...fields, flows: [], boundaryFlows: [], covered: false };
}

/** Adds a flow's name to a list once (a dual-stack flow is evaluated once per family). */
export function addFlow(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

