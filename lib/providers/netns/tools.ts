// The programs the netns provider runs, where to find them, and which Debian package
// brings each one: a missing tool is reported with the `apt-get install` that fixes it.
// The provider's own (core) tools are listed here; the servers and probe clients are the
// app registry's (lib/apps).
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { registeredTools } from '../../apps/index.ts';

export interface ToolInfo {
  /** The apt package that installs it. */
  apt: string;
  /** Needed for `up()` at all, or only when a suite serves / probes with it. */
  role: 'core' | 'server' | 'probe';
  /** How it prints its version (`<tool> <args>`, the first group of `pattern`), for the fingerprint. */
  version?: { args: readonly string[]; pattern: RegExp };
}

const coreTools: Record<string, ToolInfo> = {
  ip: { apt: 'iproute2', role: 'core', version: { args: ['-V'], pattern: /iproute2-([0-9.]+)/ } },
  nft: { apt: 'nftables', role: 'core', version: { args: ['--version'], pattern: /nftables v(\S+)/ } },
  setpriv: { apt: 'util-linux', role: 'core' },
  // The namespace helper (assets/ns-helper.pl): sysctls of every namespace, the app server's sockets.
  perl: { apt: 'perl-base', role: 'core' },
};

export const tools: Record<string, ToolInfo> = {
  ...coreTools,
  ...Object.fromEntries(registeredTools().map((t): [string, ToolInfo] => [t.name, { apt: t.debianPackage, role: t.role, ...(t.version ? { version: t.version } : {}) }])),
};

export function aptHint(tool: string): string {
  const apt = tools[tool]?.apt;
  return apt ? `apt-get install ${apt}` : `install ${tool}`;
}

/** PostgreSQL server binaries are not on PATH on Debian: newest /usr/lib/postgresql/<v>/bin. */
function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

const found = new Map<string, string | undefined>();

/** Absolute path of a tool, or undefined when it is not installed. Cached per process. */
export function findTool(name: string): string | undefined {
  if (found.has(name)) return found.get(name);
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', ...postgresBinDirs()];
  let path: string | undefined;
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      path = candidate;
      break;
    } catch {
      // not here
    }
  }
  found.set(name, path);
  return path;
}

export function isRootUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** What `flowproof doctor` prints for the netns provider: root, every tool, with apt hints. */
export async function netnsPrerequisites(): Promise<Array<{ what: string; ok: boolean; hint?: string }>> {
  const out: Array<{ what: string; ok: boolean; hint?: string }> = [];
  out.push({
    what: 'running as root',
    ok: isRootUser(),
    hint: isRootUser() ? undefined : 'network namespaces need root: run with sudo',
  });
  for (const [name, info] of Object.entries(tools)) {
    const path = findTool(name);
    out.push({
      what: `${name} (${info.role})${path ? ` at ${path}` : ''}`,
      ok: path !== undefined,
      hint: path ? undefined : aptHint(name),
    });
  }
  return out;
}
