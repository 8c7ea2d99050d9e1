// Which container of a probe-capable pod has which tool. netshoot has nc, curl, dig,
// socat and ip, but not psql, redis-cli or sipp, so a pod that probes carries one idle
// container per image it needs, all sharing the pod's network namespace. Which image
// carries which tool is the app registry's fact (lib/apps: each app's `clients`).
import { defaultToolRole, toolRoleImages, type ImageName, type ToolRole } from '../../apps/index.ts';

export type { ToolRole };

export const toolRoles = Object.fromEntries(toolRoleImages.map((r) => [r.role, { container: `tool-${r.role}`, image: r.image }])) as Record<ToolRole, { container: string; image: ImageName }>;

const roleByTool = new Map(toolRoleImages.flatMap((r) => r.tools.map((t) => [t, r.role] as const)));

/** The container role that has `tool`; anything no app's image claims runs in netshoot. */
export function roleForTool(tool: string): ToolRole {
  return roleByTool.get(tool) ?? defaultToolRole;
}

export function containerForTool(tool: string): string {
  return toolRoles[roleForTool(tool)].container;
}

/** Roles for a set of tools, netshoot always first (the canary and dig/nc need it). */
export function rolesForTools(tools: Iterable<string>): ToolRole[] {
  const roles = new Set<ToolRole>([defaultToolRole]);
  for (const t of tools) roles.add(roleForTool(t));
  return toolRoleImages.map((r) => r.role).filter((r) => roles.has(r));
}

/** Keeps a tool container alive doing nothing, and exits at once on SIGTERM. */
export const idleCommand = ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];
