// An SVG made elsewhere (Mermaid in headless Chromium, from a graph a bundle carries) as
// markup the report may inline: rebuilt from its tokens through an allowlist of shape and text
// elements and presentation attributes. What is not on the list goes, with its subtree for an
// element: scripts, styles, foreignObject, links, event handlers, style and class attributes
// (the report's CSP runs no inline style), comments, processing instructions. A `url(...)` may
// only point at an element of the same SVG (a marker), ids keep one prefix so they cannot
// collide with the page's, and every text and value is escaped again on the way out.

const ELEMENTS = new Set(['svg', 'g', 'defs', 'marker', 'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'tspan', 'title', 'desc']);

const GEOMETRY = ['d', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'width', 'height', 'points', 'dx', 'dy', 'transform', 'viewBox', 'preserveAspectRatio'];
const MARKER = ['refX', 'refY', 'markerWidth', 'markerHeight', 'markerUnits', 'orient', 'marker-start', 'marker-mid', 'marker-end'];
const PAINT = ['fill', 'fill-opacity', 'fill-rule', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-dashoffset', 'stroke-opacity', 'stroke-linecap', 'stroke-linejoin', 'stroke-miterlimit', 'opacity', 'visibility', 'display'];
const TEXT = ['font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'dominant-baseline', 'alignment-baseline', 'letter-spacing'];
const META = ['id', 'xmlns', 'role', 'aria-roledescription', 'aria-label'];
const ATTRIBUTES = new Set([...GEOMETRY, ...MARKER, ...PAINT, ...TEXT, ...META]);

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface SanitizeOptions {
  /** Ids are kept only when they start with this (the id the renderer gave the graph). */
  idPrefix: string;
  /** The accessible name of the graph (aria-label of the root). */
  label: string;
}

interface Token {
  kind: 'open' | 'close' | 'text';
  name?: string;
  attrs?: Array<[string, string]>;
  selfClosing?: boolean;
  text?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (all, e: string) => {
    if (e.startsWith('#')) {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[e] ?? all;
  });
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The tokens of serialized XML (XMLSerializer's output); undefined when it is something else. */
function tokenize(xml: string): Token[] | undefined {
  const tokens: Token[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
  const attr = /\s+([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/g;
  let at = 0;
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    if (lt === -1 || lt > at) {
      const end = lt === -1 ? xml.length : lt;
      tokens.push({ kind: 'text', text: decode(xml.slice(at, end)) });
      at = end;
      continue;
    }
    if (xml.startsWith('<!--', at)) {
      const end = xml.indexOf('-->', at + 4);
      if (end === -1) return undefined;
      at = end + 3; // comments go
      continue;
    }
    if (xml.startsWith('<?', at) || xml.startsWith('<!', at)) return undefined; // no PI, CDATA or doctype in a graph
    tag.lastIndex = at;
    const m = tag.exec(xml);
    if (!m) return undefined;
    at = tag.lastIndex;
    if (m[1]) {
      if (m[3] || m[4]) return undefined;
      tokens.push({ kind: 'close', name: m[2]! });
      continue;
    }
    const attrs: Array<[string, string]> = [];
    for (const a of m[3]!.matchAll(attr)) attrs.push([a[1]!, decode(a[2] ?? a[3] ?? '')]);
    tokens.push({ kind: 'open', name: m[2]!, attrs, selfClosing: m[4] === '/' });
  }
  return tokens;
}

const LOCAL_URL = /^url\(\s*["']?#([\w-]+)["']?\s*\)$/;

/** A kept attribute's value, or undefined to drop it. */
function attrValue(name: string, value: string, opts: SanitizeOptions): string | undefined {
  if (!ATTRIBUTES.has(name)) return undefined;
  if (name === 'xmlns') return value === SVG_NS ? value : undefined;
  if (name === 'id') return value.startsWith(opts.idPrefix) && /^[\w-]+$/.test(value) ? value : undefined;
  if (/url\(/i.test(value)) {
    const m = LOCAL_URL.exec(value.trim());
    return m && m[1]!.startsWith(opts.idPrefix) ? `url(#${m[1]})` : undefined;
  }
  // Presentation values are numbers, lengths, colours, keywords and font lists: nothing else passes.
  return /^[\w\s#.,%()'"+-]*$/.test(value) && !/(expression|javascript|[\\@])/i.test(value) ? value : undefined;
}

/**
 * The SVG rebuilt from the allowlist, or undefined when the input is not one SVG document the
 * tokenizer reads (then nothing of it is shown).
 */
export function sanitizeSvg(input: string, opts: SanitizeOptions): string | undefined {
  const tokens = tokenize(input.trim());
  if (!tokens || tokens[0]?.kind !== 'open' || tokens[0].name !== 'svg') return undefined;
  const out: string[] = [];
  const stack: Array<{ name: string; kept: boolean }> = [];
  let dropping = 0; // depth inside a dropped element
  for (const t of tokens) {
    if (t.kind === 'text') {
      if (dropping === 0 && stack.length > 0) out.push(escapeText(t.text!));
      continue;
    }
    if (t.kind === 'close') {
      const top = stack.pop();
      if (!top || top.name !== t.name) return undefined;
      if (!top.kept) dropping--;
      else out.push(`</${top.name}>`);
      if (stack.length === 0) break;
      continue;
    }
    const name = t.name!;
    const kept = dropping === 0 && ELEMENTS.has(name);
    if (!kept) {
      if (!t.selfClosing) {
        stack.push({ name, kept: false });
        dropping++;
      }
      continue;
    }
    const root = stack.length === 0;
    const attrs = t.attrs!.flatMap(([k, v]) => {
      if (root && k === 'aria-label') return [];
      const value = attrValue(k, v, opts);
      return value === undefined ? [] : [`${k}="${escapeAttr(value)}"`];
    });
    if (root) attrs.push(`aria-label="${escapeAttr(opts.label)}"`);
    const open = `<${name}${attrs.length ? ` ${attrs.join(' ')}` : ''}`;
    if (t.selfClosing) out.push(`${open}/>`);
    else {
      out.push(`${open}>`);
      stack.push({ name, kept: true });
    }
  }
  if (stack.length > 0) return undefined;
  return out.join('');
}
