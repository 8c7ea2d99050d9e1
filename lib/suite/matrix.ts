// The compact matrix form: from × to × ports with one expectation and exceptions,
// expanded into the same draft flows a plain `flows:` entry produces.
import type { InputProblem } from '../errors.ts';
import type { ProbeKind, Protocol } from '../types.ts';
import { parseRef, refText } from './refs.ts';
import type { FlowDocument, MatrixDocument } from './schema.ts';
import type { Path, YamlSource } from '../yaml-input.ts';

/** A flow before refs and ports are checked, with the data paths its parts came from. */
export interface DraftFlow {
  doc: FlowDocument;
  /** The policy step it belongs to (spec.steps), if any. */
  step?: string;
  paths: { self: Path; from: Path; to: Path; port: Path; probe: Path; family: Path };
}

interface MatrixPort {
  port: number | string;
  protocol: Protocol;
  /** Whether the protocol was written (an except port without it matches any protocol). */
  explicitProtocol: boolean;
  probe?: ProbeKind;
}

type PortEntry = MatrixDocument['ports'][number];

/** Parses `80`, `"5060/UDP"`, `"sip/UDP"` or `{port, protocol, probe}`; a string for an out-of-range port. */
export function parseMatrixPort(entry: PortEntry): MatrixPort | string {
  if (typeof entry === 'number') return { port: entry, protocol: 'TCP', explicitProtocol: false };
  if (typeof entry === 'object') return { port: entry.port, protocol: entry.protocol ?? 'TCP', explicitProtocol: !!entry.protocol, probe: entry.probe };
  const [p, proto] = entry.split('/');
  const port = /^[0-9]+$/.test(p) ? Number(p) : p;
  if (typeof port === 'number' && (port < 1 || port > 65535)) return `port ${port} is out of range (1-65535)`;
  return { port, protocol: (proto as Protocol | undefined) ?? 'TCP', explicitProtocol: !!proto };
}

/** Expands one matrix entry (at `base`: spec.matrix[i], or a step's); problems (bad ports, exceptions that match nothing) are appended. */
export function expandMatrix(m: MatrixDocument, index: number, src: YamlSource, problems: InputProblem[], base: Path = ['spec', 'matrix', index]): DraftFlow[] {
  const ports: Array<{ p: MatrixPort; k: number }> = [];
  m.ports.forEach((entry, k) => {
    const p = parseMatrixPort(entry);
    if (typeof p === 'string') problems.push({ location: src.locate([...base, 'ports', k]), message: `${m.name}: ${p}` });
    else ports.push({ p, k });
  });
  const excepts = (m.except ?? []).map((e) => ({
    e,
    from: e.from === undefined ? undefined : refText(parseRef(e.from)),
    port: e.port === undefined ? undefined : parseMatrixPort(e.port),
    used: false,
  }));
  const out: DraftFlow[] = [];
  m.from.forEach((from, i) => {
    const fromText = refText(parseRef(from));
    m.to.forEach((to, j) => {
      const toText = refText(parseRef(to));
      if (fromText === toText) return; // a pod to itself is not a network flow worth proving
      for (const { p, k } of ports) {
        const hit = excepts.find(
          (x) =>
            (x.from === undefined || x.from === fromText) &&
            (x.e.to === undefined || x.e.to === toText) &&
            (x.port === undefined ||
              (typeof x.port !== 'string' && x.port.port === p.port && (!x.port.explicitProtocol || x.port.protocol === p.protocol))),
        );
        if (hit) hit.used = true;
        out.push({
          doc: {
            name: `${m.name}: ${fromText} -> ${toText} ${p.port}/${p.protocol}`,
            from,
            to,
            port: p.port,
            protocol: p.protocol,
            probe: p.probe,
            ...(m.family !== undefined ? { family: m.family } : {}),
            expect: hit ? hit.e.expect : m.expect,
            controls: m.controls,
            justification: hit?.e.justification ?? hit?.e.reason ?? m.justification ?? m.reason,
          },
          paths: {
            self: base,
            from: [...base, 'from', i],
            to: [...base, 'to', j],
            port: [...base, 'ports', k],
            probe: [...base, 'ports', k],
            family: [...base, 'family'],
          },
        });
      }
    });
  });
  excepts.forEach((x, k) => {
    if (!x.used) problems.push({ location: src.locate([...base, 'except', k]), message: `${m.name}: except[${k}] matches no flow of the matrix` });
  });
  return out;
}

/** A plain `flows:` entry (at `self`: spec.flows[i], or a step's) as a draft. */
export function draftFlow(doc: FlowDocument, index: number, self: Path = ['spec', 'flows', index]): DraftFlow {
  return { doc, paths: { self, from: [...self, 'from'], to: [...self, 'to'], port: [...self, 'port'], probe: [...self, 'probe'], family: [...self, 'family'] } };
}
