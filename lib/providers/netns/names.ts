// Names of everything a run creates. Each carries the run's prefix `fp<6 hex>` so that two
// runs never collide and `flowproof cleanup` can recognise leftovers by pattern alone.
// Interface names stay within Linux's 15-character limit (IFNAMSIZ - 1).
import { randomBytes } from 'node:crypto';

/** Matches a run prefix, and (with a suffix) every netns or interface a run names. */
export const prefixPattern = /^fp[0-9a-f]{6}$/;
export const ownedNamePattern = /^(fp[0-9a-f]{6})-/;

export function newRunPrefix(): string {
  return `fp${randomBytes(3).toString('hex')}`;
}

/** The run prefix an owned name carries, or undefined when the name is not ours. */
export function prefixOf(name: string): string | undefined {
  return ownedNamePattern.exec(name)?.[1];
}

export interface RunNames {
  prefix: string;
  /** Network namespace holding the bridge: the emulated node. */
  nodeNs: string;
  /** The bridge in the node namespace. */
  bridge: string;
  /** Namespace of the i-th pod (index into the run's pod list). */
  podNs(i: number): string;
  /** Namespace of the i-th external. */
  externalNs(i: number): string;
  /** Node-side end of the i-th pod's veth (on the bridge). */
  podHostIf(i: number): string;
  /** Node-side end of the i-th external's veth (routed, proxy ARP). */
  externalHostIf(i: number): string;
}

export function runNames(prefix: string): RunNames {
  if (!prefixPattern.test(prefix)) throw new Error(`bad run prefix ${prefix}`);
  return {
    prefix,
    nodeNs: `${prefix}-node`,
    bridge: `${prefix}-br`,
    podNs: (i) => `${prefix}-p${i}`,
    externalNs: (i) => `${prefix}-e${i}`,
    // "fpXXXXXX-vp123" is 14 characters: room for 999 pods.
    podHostIf: (i) => `${prefix}-vp${i}`,
    externalHostIf: (i) => `${prefix}-ve${i}`,
  };
}

/** The interface every pod and external sees inside its own namespace. */
export const workloadIf = 'eth0';
