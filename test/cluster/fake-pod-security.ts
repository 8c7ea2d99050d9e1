// fakePodSecurity: the checks of the PodSecurity "restricted" profile that flowproof's
// containers touch, for fakeApiServer (a unit-test stand-in for the API server's admission).
// Written from the Pod Security Standards page (kubernetes.io/docs/concepts/security/
// pod-security-standards): privilege escalation, capabilities, running as non-root and
// seccomp. Messages have the API server's shape: `violates PodSecurity "restricted:latest": …`.

type Sec = {
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  privileged?: boolean;
};
type Container = { name: string; securityContext?: Sec };
type PodSpec = { securityContext?: Sec; containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] };

/** Violations of "restricted" in a pod spec; empty when it is accepted. */
export function restrictedViolations(spec: PodSpec): string[] {
  const pod = spec.securityContext ?? {};
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const out: string[] = [];
  const names = (pred: (c: Container) => boolean) => all.filter(pred).map((c) => `"${c.name}"`);
  const priv = names((c) => c.securityContext?.privileged === true);
  if (priv.length) out.push(`privileged (containers ${priv.join(', ')} must not set securityContext.privileged=true)`);
  const esc = names((c) => c.securityContext?.allowPrivilegeEscalation !== false);
  if (esc.length) out.push(`allowPrivilegeEscalation != false (containers ${esc.join(', ')} must set securityContext.allowPrivilegeEscalation=false)`);
  const drop = names((c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'));
  if (drop.length) out.push(`unrestricted capabilities (containers ${drop.join(', ')} must set securityContext.capabilities.drop=["ALL"])`);
  const add = names((c) => (c.securityContext?.capabilities?.add ?? []).some((a) => a !== 'NET_BIND_SERVICE'));
  if (add.length) out.push(`unrestricted capabilities (containers ${add.join(', ')} must not include capabilities beyond NET_BIND_SERVICE)`);
  const nonRoot = names((c) => (c.securityContext?.runAsNonRoot ?? pod.runAsNonRoot) !== true);
  if (nonRoot.length) out.push(`runAsNonRoot != true (pod or containers ${nonRoot.join(', ')} must set securityContext.runAsNonRoot=true)`);
  const root = names((c) => (c.securityContext?.runAsUser ?? pod.runAsUser) === 0);
  if (root.length) out.push(`runAsUser=0 (containers ${root.join(', ')} must not set runAsUser=0)`);
  const seccomp = names((c) => !['RuntimeDefault', 'Localhost'].includes(c.securityContext?.seccompProfile?.type ?? pod.seccompProfile?.type ?? ''));
  if (seccomp.length) out.push(`seccompProfile (pod or containers ${seccomp.join(', ')} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`);
  return out;
}

/** The API server's 403 message for a refused pod. */
export function podSecurityMessage(pod: string, violations: string[]): string {
  return `pods "${pod}" is forbidden: violates PodSecurity "restricted:latest": ${violations.join(', ')}`;
}
