// The encryption-in-transit controls (HIPAA 164.312(e)(2)(ii), PCI DSS 4.2.1; `judgedOver:
// tls-required` in controls.yaml): judged only over the tagged flows that declare tls:
// required. Reachability alone never shows encryption, so a flow with no TLS requirement
// (tls: any) neither supports nor counts against such a control, and one declaring tls:
// forbidden is plaintext by design; a tagged tls: required flow that did not pass counts
// against it as any violation counts against a control.
import type { FlowResult } from '../types.ts';
import type { ControlDef, ControlStatus } from './controls.ts';
import { findingOfFlow, tlsOf, tlsShortfalls } from './flow-view.ts';

export interface TlsControlJudgement {
  /** The tagged flows with tls: required: what the status is judged over. */
  judged: FlowResult[];
  status: ControlStatus;
  why: string;
}

/** A tls: required flow whose record shows what a pass claims: a completed, verified handshake and the plaintext refused. */
function recordShowsTls(f: FlowResult): boolean {
  const t = tlsOf(f);
  return t?.observation?.handshake === true && t.observation.verified === true && !t.observation.failure && t.plaintext?.accepted === false;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Judges a control whose evidence comes from tls: required flows only, over its tagged flows. */
export function judgeTlsControl(control: ControlDef, tagged: FlowResult[]): TlsControlJudgement {
  const judged = tagged.filter((f) => tlsOf(f)?.requirement === 'required');
  const forbidden = tagged.filter((f) => tlsOf(f)?.requirement === 'forbidden').length;
  const others = tagged.length - judged.length - forbidden;
  const noTls = others > 0 ? `${plural(others, 'tagged flow')} without a TLS requirement ${others === 1 ? 'neither supports nor counts' : 'neither support nor count'} against it (reachability alone does not show encryption)` : '';
  const plain = forbidden > 0 ? `${plural(forbidden, 'tagged flow')} declaring tls: forbidden ${forbidden === 1 ? 'is' : 'are'} plaintext by design and ${forbidden === 1 ? 'supports' : 'support'} nothing here` : '';
  const asideText = [noTls, plain].filter(Boolean).map((x) => ` ${x}.`).join('');
  if (judged.length === 0) {
    return {
      judged,
      status: 'not-assessed',
      why: `${tagged.length === 1 ? 'The one tagged flow does not declare' : `None of the ${tagged.length} tagged flows declares`} tls: required: an allow/deny test alone does not show encryption in transit, so nothing is claimed for this control.${plain ? ` ${plain}.` : ''} Declare tls: required on the flows that carry the protected data.`,
    };
  }
  const of = `of ${plural(judged.length, 'tagged tls: required flow')}`;
  const failed = judged.filter((f) => f.verdict === 'fail');
  if (failed.length > 0) {
    const cleartext = failed.filter((f) => findingOfFlow(f) === 'cleartext');
    const other = failed.length - cleartext.length;
    const kinds = [
      cleartext.length ? `${cleartext.length} cleartext: ${[...new Set(cleartext.flatMap(tlsShortfalls))].join(', ') || 'the TLS requirement was not met'}` : '',
      other ? `${other} did not get through as declared, so TLS was not shown on ${other === 1 ? 'it' : 'them'}` : '',
    ].filter(Boolean);
    return { judged, status: 'not-satisfied', why: `${failed.length} ${of} did not pass (${kinds.join('; ')}); a failed tls: required flow counts against this control.${asideText}` };
  }
  const errors = judged.filter((f) => f.verdict === 'error').length;
  const passed = judged.filter((f) => f.verdict === 'pass');
  if (errors > 0) return { judged, status: 'inconclusive', why: `${errors} ${of} ${errors === 1 ? 'was' : 'were'} inconclusive; ${passed.length} passed. Inconclusive flows are not evidence.${asideText}` };
  const unproven = passed.filter((f) => !recordShowsTls(f)).length;
  if (unproven > 0)
    return {
      judged,
      status: 'inconclusive',
      why: `${unproven} ${of} passed, but ${unproven === 1 ? 'its record does' : 'their records do'} not show a completed, verified handshake and the plaintext refused; such a pass is not evidence for this control.${asideText}`,
    };
  const mins = [...new Set(judged.map((f) => tlsOf(f)?.minVersion ?? 'TLSv1.2'))].join(' or ');
  const all = judged.length === 1 ? 'The one tagged tls: required flow' : `All ${judged.length} tagged tls: required flows`;
  const shown = `${all} got through only over TLS: a handshake at ${mins} or later with a certificate that verified for the flow's DNS name against the run's CA, and the plaintext protocol refused on the same port.${asideText}`;
  if (control.evidence === 'partial') return { judged, status: 'supporting', why: `${shown} This is partial evidence that supports the control but does not cover it (see what it does not show).` };
  return { judged, status: 'satisfied', why: shown };
}
