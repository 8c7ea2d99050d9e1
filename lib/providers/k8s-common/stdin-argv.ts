// A probe's stdin payload (a UDP nonce, a SIP scenario) carried in argv instead of on the
// exec stream. The Kubernetes exec API can only close stdin and still deliver the exit
// status with the v5 websocket protocol (on by default from 1.30); on older API servers
// client-node closes the whole socket when stdin ends, so the status never arrives. In
// argv the payload needs no stdin at all, on every version, and in `docker exec` too.

/** `sh -c` script: the payload is $1; the tool and its arguments follow, with it on stdin. */
export const stdinFromArgvScript = 'p=$1; shift; printf %s "$p" | "$@"';

/** argv that runs `argv` with `stdin` on its standard input (unchanged when there is none). */
export function carryStdinInArgv(argv: string[], stdin: string | undefined): string[] {
  if (stdin === undefined) return argv;
  return ['sh', '-c', stdinFromArgvScript, 'sh', stdin, ...argv];
}
