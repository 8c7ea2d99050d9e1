// Asserts a run left nothing behind: no namespace, no process in one, no /etc/netns dir,
// no work dir, no state record carrying its prefix, and no veth or bridge in the host.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { pidsInNamespaces } from '../../lib/providers/netns/processes.ts';
import { recordPath, workDirOf } from '../../lib/providers/netns/state-file.ts';

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Processes anywhere on the machine whose command line mentions `text` (read from /proc, no process per pid). */
export function processesMentioning(text: string): string[] {
  const out: string[] = [];
  for (const pid of list('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue; // gone
    }
    if (cmd.includes(text)) out.push(`${pid}: ${cmd.trim()}`);
  }
  return out;
}

export function assertNothingLeft(prefix: string): void {
  const namespaces = list('/run/netns').filter((n) => n.startsWith(`${prefix}-`));
  expect(namespaces, 'network namespaces left').to.deep.equal([]);
  expect(list('/etc/netns').filter((n) => n.startsWith(`${prefix}-`)), '/etc/netns dirs left').to.deep.equal([]);
  expect(existsSync(workDirOf(prefix)), 'work dir left').to.equal(false);
  expect(existsSync(recordPath(prefix)), 'state record left').to.equal(false);
  expect(pidsInNamespaces(namespaces).size).to.equal(0);
  expect(processesMentioning(prefix), 'processes left').to.deep.equal([]);
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  expect(links.split('\n').filter((l) => l.includes(prefix)), 'links left in the host namespace').to.deep.equal([]);
}
