// A SIP UAS for pods serving `app: sip`: sipp running the shipped scenario
// assets/sip-uas-options.xml, which answers every OPTIONS with 200 OK (sipp's built-in
// `-sn uas` only handles INVITE dialogs). One sipp per port and transport (UDP, TCP).
import { fileURLToPath } from 'node:url';
import type { Protocol } from '../../../types.ts';
import { findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

export const sipScenario = fileURLToPath(new URL('../assets/sip-uas-options.xml', import.meta.url));

export function sipLaunch(cwd: string, port: number, protocol: Protocol): ServerLaunch {
  const transport = protocol === 'TCP' ? 't1' : 'u1';
  return {
    what: `sip ${port}/${protocol}`,
    tool: 'sipp',
    argv: [
      findTool('sipp') ?? 'sipp',
      '-sf',
      sipScenario,
      '-i',
      '0.0.0.0',
      '-p',
      String(port),
      '-t',
      transport,
      '-nostdin',
      // Keep sipp's media and control sockets away from ports a suite is likely to serve.
      '-mp',
      '46000',
      '-cp',
      '48000',
    ],
    cwd,
    ports: [{ port, protocol }],
    deadlineMs: 8_000,
  };
}
