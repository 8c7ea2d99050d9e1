// A Mermaid graph rendered to SVG at build time, so the report needs no script and no network
// to show it: the mermaid package's bundled dist file and a page of ours are loaded from local
// files into headless Chromium (requests go to a closed local port, the page's CSP allows
// nothing but those two scripts), Mermaid renders, and the page flattens the result (each
// element's computed style written as SVG presentation attributes, then every <style>, style
// and class removed: the report's CSP runs no inline style) and hands it back through the
// DOM (--dump-dom). What comes back is rebuilt through an allowlist (svg-sanitize.ts).
// Optional and bounded: no Chromium, a timeout, a source or an SVG over its cap, a source that
// is not a plain flowchart: the caller gets the reason instead of an SVG, never an exception.
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { registerTeardown } from '../lifecycle.ts';
import { repoRoot } from '../paths.ts';
import { sanitizeSvg } from './svg-sanitize.ts';

export interface MermaidSvgOptions {
  /** Wall-clock limit of the Chromium run (default 20 s). */
  timeoutMs?: number;
  /** Longest Mermaid source rendered (default 100,000 characters). */
  maxSourceChars?: number;
  /** Most edges rendered (default 250: the layout time grows fast with dense graphs, ~5 s at 200). */
  maxEdges?: number;
  /** Largest SVG kept (default 2 MB). */
  maxSvgBytes?: number;
  /** The browser; default $FLOWPROOF_CHROMIUM, else chromium (or chromium-browser, google-chrome) on PATH. */
  chromium?: string;
  /** The graph's accessible name. */
  label?: string;
}

export type MermaidSvg = { ok: true; svg: string; ms: number } | { ok: false; reason: string };

/** Ids in the SVG start with this: the graph's element id, which no id of the report uses. */
export const GRAPH_ID = 'fpgraph';

const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium to render with, or undefined when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const runnable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (env.FLOWPROOF_CHROMIUM !== undefined) return env.FLOWPROOF_CHROMIUM && runnable(env.FLOWPROOF_CHROMIUM) ? env.FLOWPROOF_CHROMIUM : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const b of BROWSERS) if (runnable(join(dir, b))) return join(dir, b);
  }
  return undefined;
}

/** The mermaid package's self-contained browser build, or undefined when it is not installed. */
export function mermaidDist(): string | undefined {
  try {
    return createRequire(join(repoRoot, 'package.json')).resolve('mermaid/dist/mermaid.min.js');
  } catch {
    return undefined;
  }
}

// Runs in the page: render; decode the entity codes of labels (#60; in the source: Mermaid
// leaves "&#60;" in an SVG text, which is text, not markup); flatten styles into attributes;
// hand the SVG back base64-encoded.
// The configuration is fixed here; `secure` keeps a directive in the source from changing it.
const PAGE_SCRIPT = `(async function(){
var out=document.getElementById('out');
var PROPS=['fill','fill-opacity','fill-rule','stroke','stroke-width','stroke-dasharray','stroke-opacity','stroke-linecap','stroke-linejoin','opacity','visibility','font-family','font-size','font-weight','font-style','text-anchor','dominant-baseline'];
var OWN={opacity:'1'};
function b64(s){var b=new TextEncoder().encode(s),t='';for(var i=0;i<b.length;i+=8192)t+=String.fromCharCode.apply(null,b.subarray(i,i+8192));return btoa(t);}
try{
var bin=atob(out.getAttribute('data-src')),bytes=new Uint8Array(bin.length);for(var i=0;i<bin.length;i++)bytes[i]=bin.charCodeAt(i);
var src=new TextDecoder().decode(bytes);
mermaid.initialize({startOnLoad:false,securityLevel:'strict',theme:'default',look:'classic',fontFamily:'Arial, Helvetica, sans-serif',htmlLabels:false,
flowchart:{htmlLabels:false,useMaxWidth:false,wrappingWidth:400},maxTextSize:200000,maxEdges:2000,suppressErrorRendering:true,
secure:['secure','securityLevel','startOnLoad','maxTextSize','maxEdges','theme','themeVariables','themeCSS','fontFamily','look','htmlLabels','flowchart','darkMode','layout','elk','dompurifyConfig','suppressErrorRendering','handDrawnSeed']});
var r=await mermaid.render('${GRAPH_ID}',src);
var host=document.getElementById('host');host.innerHTML=r.svg;
var svg=host.querySelector('svg');
var tw=document.createTreeWalker(svg,NodeFilter.SHOW_TEXT),tn;
while((tn=tw.nextNode()))tn.nodeValue=tn.nodeValue.replace(/&#(\\d{1,7});/g,function(m,d){var c=+d;return c>0&&c<=1114111?String.fromCodePoint(c):m;});
var all=[svg].concat(Array.prototype.slice.call(svg.querySelectorAll('*')));
var styles=all.map(function(el){var cs=getComputedStyle(el),o={};PROPS.forEach(function(p){o[p]=cs.getPropertyValue(p);});o.display=cs.getPropertyValue('display');return o;});
all.forEach(function(el,i){var own=styles[i],parent=el===svg?null:styles[all.indexOf(el.parentElement)];
PROPS.forEach(function(p){var v=own[p];if(!v)return;if(p in OWN){if(v!==OWN[p])el.setAttribute(p,v);}else if(!parent||parent[p]!==v)el.setAttribute(p,v);});
if(own.display==='none')el.setAttribute('display','none');});
all.forEach(function(el){el.removeAttribute('style');el.removeAttribute('class');Array.prototype.slice.call(el.attributes).forEach(function(a){if(a.name.indexOf('data-')===0)el.removeAttribute(a.name);});});
Array.prototype.slice.call(svg.querySelectorAll('style')).forEach(function(s){s.remove();});
out.setAttribute('data-svg',b64(new XMLSerializer().serializeToString(svg)));
}catch(e){out.setAttribute('data-error',String(e&&e.message||e).slice(0,400));}
out.setAttribute('data-done','1');
})();`;

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64');
}

function page(source: string, distUrl: string): string {
  const csp = `default-src 'none'; script-src file: 'sha256-${sha256(PAGE_SCRIPT)}'; style-src 'unsafe-inline'; img-src data:`;
  const src = Buffer.from(source, 'utf8').toString('base64');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"></head>
<body><div id="out" data-src="${src}"></div><div id="host"></div>
<script src="${distUrl}"></script><script>${PAGE_SCRIPT}</script></body></html>`;
}

/** What the graph must look like to be rendered: a flowchart of bounded size, no init directive or front matter. */
function sourceProblem(source: string, max: number, maxEdges: number): string | undefined {
  if (source.length > max) return `the graph's source is ${source.length} characters, over the ${max} rendered`;
  const edges = (source.match(/-->|-\.->|==>/g) ?? []).length;
  if (edges > maxEdges) return `the graph has ${edges} edges, too dense to lay out in bounded time (at most ${maxEdges} are drawn)`;
  if (source.includes('%%{') || /^\s*---/.test(source)) return 'the graph carries a Mermaid directive or front matter, which flowproof never writes';
  if (!/^(\s*%%[^\n]*\n)*\s*flowchart (LR|RL|TB|TD|BT)\s*\n/.test(source)) return 'the graph is not a Mermaid flowchart';
  return undefined;
}

function chromiumArgs(profile: string, url: string, timeoutMs: number): string[] {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return [
    '--headless',
    // Chromium refuses to run as root inside its sandbox.
    ...(root ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--no-first-run',
    '--no-default-browser-check',
    // No network: any request would go to a closed local port and fail.
    '--proxy-server=127.0.0.1:9',
    '--proxy-bypass-list=<-loopback>',
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${timeoutMs}`,
    '--dump-dom',
    url,
  ];
}

/** Renders a Mermaid flowchart to a sanitized SVG, or says why there is none. */
export async function renderMermaidSvg(source: string, opts: MermaidSvgOptions = {}): Promise<MermaidSvg> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const maxSvgBytes = opts.maxSvgBytes ?? 2_000_000;
  const problem = sourceProblem(source, opts.maxSourceChars ?? 100_000, opts.maxEdges ?? 250);
  if (problem) return { ok: false, reason: problem };
  const browser = opts.chromium ?? findChromium();
  if (!browser) return { ok: false, reason: 'Chromium is not installed here (apt-get install chromium, or set FLOWPROOF_CHROMIUM); flowproof report <bundle> renders it where it is' };
  const dist = mermaidDist();
  if (!dist) return { ok: false, reason: 'the mermaid package is not installed (npm install)' };

  const dir = mkdtempSync(join(tmpdir(), 'flowproof-mermaid-'));
  let chromium: { pid?: number; exitCode: number | null; catch(onRejected: () => undefined): Promise<unknown> } | undefined;
  // A signal while Chromium renders (the graph is drawn while a run probes) still removes it:
  // Chromium's whole process group first (its helpers keep writing its profile), then the directory.
  const removeDir = registerTeardown('remove the graph rendering directory', async () => {
    if (chromium?.pid && chromium.exitCode === null) {
      try {
        process.kill(-chromium.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await chromium.catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  });
  const started = Date.now();
  try {
    const file = join(dir, 'graph.html');
    writeFileSync(file, page(source, pathToFileURL(dist).href));
    const subprocess = execa(browser, chromiumArgs(join(dir, 'profile'), pathToFileURL(file).href, timeoutMs), {
      timeout: timeoutMs,
      forceKillAfterDelay: 2_000,
      reject: false,
      stdin: 'ignore',
      // Its own process group, so a signal's teardown can stop Chromium and every helper it started.
      detached: true,
      maxBuffer: maxSvgBytes * 2 + 1_000_000,
    });
    chromium = subprocess;
    const r = await subprocess;
    if (r.timedOut) return { ok: false, reason: `Chromium did not finish rendering within ${Math.round(timeoutMs / 1000)} s` };
    const out = /<div id="out"[^>]*>/.exec(r.stdout)?.[0];
    if (!out) return { ok: false, reason: `Chromium did not render the page (exit ${r.exitCode ?? r.signal}): ${lastLine(r.stderr)}` };
    const error = /data-error="([^"]*)"/.exec(out)?.[1];
    if (error !== undefined) return { ok: false, reason: `Mermaid could not render the graph: ${unescapeAttr(error)}` };
    const b64 = /data-svg="([A-Za-z0-9+/=]*)"/.exec(out)?.[1];
    if (!b64) return { ok: false, reason: `Mermaid did not finish within the page's time budget (${Math.round(timeoutMs / 1000)} s)` };
    const raw = Buffer.from(b64, 'base64').toString('utf8');
    if (raw.length > maxSvgBytes) return { ok: false, reason: `the rendered SVG is ${raw.length} bytes, over the ${maxSvgBytes} kept` };
    const svg = sanitizeSvg(raw, { idPrefix: GRAPH_ID, label: opts.label ?? 'graph' });
    if (!svg) return { ok: false, reason: 'the rendered SVG could not be read back' };
    return { ok: true, svg, ms: Date.now() - started };
  } catch (err) {
    return { ok: false, reason: `Chromium could not be run: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await removeDir();
  }
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l && !/dbus|Fontconfig/i.test(l));
  return (lines.at(-1) ?? 'no output').slice(0, 300);
}

function unescapeAttr(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
