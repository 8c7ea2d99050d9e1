// A SIP UAS for pods serving `app: sip`: sipp running the shipped scenario
// assets/sip-uas-options.xml, which answers every OPTIONS with 200 OK (sipp's built-in
// `-sn uas` only handles INVITE dialogs). One sipp per port and transport (UDP, TCP).
import { libAsset } from '../../../paths.ts';
import type { Protocol } from '../../../types.ts';
import { findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

export const sipScenario = libAsset('providers/netns/assets/sip-uas-options.xml');

/**
 * `instance` numbers the sipps of one namespace: each needs its own media and control ports.
 * `ipv6`: listen on :: (sipp 3.6.1's socket there answers both families), else on 0.0.0.0.
 */
export function sipLaunch(cwd: string, port: number, protocol: Protocol, instance = 0, ipv6 = false): ServerLaunch {
  const transport = protocol === 'TCP' ? 't1' : 'u1';
  return {
    what: `sip ${port}/${protocol}`,
    tool: 'sipp',
    argv: [
      findTool('sipp') ?? 'sipp',
      '-sf',
      sipScenario,
      '-i',
      ipv6 ? '::' : '0.0.0.0',
      '-p',
      String(port),
      '-t',
      transport,
      '-nostdin',
      // Keep sipp's media and control sockets away from ports a suite is likely to serve.
      '-mp',
      String(46000 + instance * 20),
      '-cp',
      String(48000 + instance),
    ],
    cwd,
    ports: [{ port, protocol }],
    deadlineMs: 8_000,
  };
}
