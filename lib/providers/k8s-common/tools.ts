// Which container of a probe-capable pod has which tool. netshoot has nc, curl, dig,
// socat and ip, but not psql, redis-cli or sipp, so a pod that probes carries one idle
// container per image it needs, all sharing the pod's network namespace.
import type { ImageName } from './versions.ts';

export type ToolRole = 'net' | 'psql' | 'redis' | 'sipp';

export const toolRoles: Record<ToolRole, { container: string; image: ImageName }> = {
  net: { container: 'tool-net', image: 'netshoot' },
  psql: { container: 'tool-psql', image: 'postgres' },
  redis: { container: 'tool-redis', image: 'redis' },
  sipp: { container: 'tool-sipp', image: 'sipp' },
};

/** The container role that has `tool`; anything not listed runs in netshoot. */
export function roleForTool(tool: string): ToolRole {
  switch (tool) {
    case 'psql':
    case 'pg_isready':
      return 'psql';
    case 'redis-cli':
      return 'redis';
    case 'sipp':
      return 'sipp';
    default:
      return 'net';
  }
}

export function containerForTool(tool: string): string {
  return toolRoles[roleForTool(tool)].container;
}

/** Roles for a set of tools, netshoot always first (the canary and dig/nc need it). */
export function rolesForTools(tools: Iterable<string>): ToolRole[] {
  const roles = new Set<ToolRole>(['net']);
  for (const t of tools) roles.add(roleForTool(t));
  return (['net', 'psql', 'redis', 'sipp'] as const).filter((r) => roles.has(r));
}

/** Keeps a tool container alive doing nothing, and exits at once on SIGTERM. */
export const idleCommand = ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];
