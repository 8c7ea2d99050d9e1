// A POSIX ustar archive of a few small files, each with its own owner and mode: what kind's
// externals get in place of a Secret volume (Docker's put-archive with copyUIDGID keeps them),
// so a key file is root:<group> 0440 in the container exactly as the kubelet mounts it in a
// pod with that fsGroup. Parent directories come first (root, 0755). No dependencies.

export interface TarFile {
  /** Absolute path in the container ("/flowproof-tls/5432/tls.key"). */
  path: string;
  content: string;
  mode: number;
  uid: number;
  gid: number;
}

const block = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, o: { mode: number; uid: number; gid: number; size: number; type: '0' | '5'; mtime: number }): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: path too long for a ustar name: ${name}`);
  const h = Buffer.alloc(block, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(o.mode, 8), 100, 'ascii');
  h.write(octal(o.uid, 8), 108, 'ascii');
  h.write(octal(o.gid, 8), 116, 'ascii');
  h.write(octal(o.size, 12), 124, 'ascii');
  h.write(octal(o.mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // the checksum counts its own field as spaces
  h.write(o.type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The archive, to extract at "/": each file's parent directories, then the file. */
export function tarOf(files: TarFile[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const f of files) {
    if (!f.path.startsWith('/') || f.path.split('/').some((p) => p === '..')) throw new Error(`tar: not an absolute path: ${f.path}`);
    const segments = f.path.slice(1).split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = `${segments.slice(0, i).join('/')}/`;
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      parts.push(header(dir, { mode: 0o755, uid: 0, gid: 0, size: 0, type: '5', mtime }));
    }
    const body = Buffer.from(f.content, 'utf8');
    parts.push(header(segments.join('/'), { mode: f.mode, uid: f.uid, gid: f.gid, size: body.length, type: '0', mtime }));
    parts.push(body, Buffer.alloc((block - (body.length % block)) % block, 0));
  }
  parts.push(Buffer.alloc(2 * block, 0));
  return Buffer.concat(parts);
}
