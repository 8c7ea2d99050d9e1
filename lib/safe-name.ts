// File names made from user-given names (policy, namespace, pod names…) in bundles and work
// directories. A Kubernetes name may have 253 characters, more than a file name may hold once
// a suffix is added (NAME_MAX is 255 bytes): a long name is cut and made unique again by a
// digest of the whole name, so no file flowproof writes fails with ENAMETOOLONG.
import { createHash } from 'node:crypto';

/** The most bytes of a file name made from one user-given name (room left for ".yaml", "-2"…). */
export const maxNameBytes = 100;

/**
 * `name` as one safe path segment: characters other than letters, digits, ".", "_" and "-"
 * become "_" (so never "/"), "." and ".." become underscores, and a result longer than
 * `max` bytes is its first part, "-" and 16 hex digits of the SHA-256 of `name`.
 */
export function safeFileName(name: string, max = maxNameBytes): string {
  let safe = name.replace(/[^A-Za-z0-9._-]+/g, '_') || '_';
  if (/^\.+$/.test(safe)) safe = safe.replace(/\./g, '_');
  if (safe.length <= max) return safe;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${safe.slice(0, max - digest.length - 1)}-${digest}`;
}
