// How socat says that an SCTP socket cannot be opened at all. Read by the sctp probe (an
// attempt that could not run) and by the netns provider's kernel check, which run the same
// socat; it lives here, in neither layer, because providers import no probe.

/** socat's log line for a failed socket(2): "E socket(2, 1, 132): Protocol not supported". */
const socketFailure = /\bsocket\(\d+, \d+, 132\): ([^\n]+)/;

/**
 * Why an SCTP socket could not be opened, from socat's log, or undefined when it could.
 * EPROTONOSUPPORT ("Protocol not supported") is a kernel without SCTP (no sctp module).
 */
export function sctpSocketProblem(text: string): string | undefined {
  const m = socketFailure.exec(text);
  if (!m) return undefined;
  const why = m[1].trim();
  const call = 'socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)';
  if (/Protocol not supported/i.test(why)) return `${call} fails with EPROTONOSUPPORT (${why}): the kernel has no SCTP`;
  return `${call} fails: ${why}`;
}
