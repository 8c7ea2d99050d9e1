// What reaches a terminal, a markdown page or stdout JSON passes here, after the scrubber:
// control characters (C0 but the line breaks a text keeps, DEL, C1) and the Unicode
// controls that reorder or hide text (bidi embeddings, overrides and isolates, the directional
// marks) are shown as visible escapes (`\x1b`, `\u202e`), never sent raw, so a flow name
// cannot retitle or clear a terminal, hide part of a line or reorder what a reviewer reads.
import { makeScrubber, type Scrubber } from './scrub.ts';

/** C0 and C1 controls, DEL, and the bidi and directional-mark controls (\t, \n and \r are decided by the caller). */
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

function escapeOf(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Control characters as visible escapes. `keep` says which of tab, line feed and carriage
 * return stay as they are (a terminal line keeps none, a paragraph "\n\t", a transcript all three).
 */
export function visibleControls(s: string, keep = '\n\t'): string {
  let out = s.replace(CONTROLS, escapeOf);
  for (const ch of ['\t', '\n', '\r']) if (!keep.includes(ch)) out = out.split(ch).join(escapeOf(ch));
  return out;
}

let shared: Scrubber | undefined;
/** The scrubber of this process's environment (built once: the environment does not change under a run). */
export function processScrubber(): Scrubber {
  shared ??= makeScrubber(process.env);
  return shared;
}

/** Text for a terminal: scrubbed, then every control but line feed and tab made visible. */
export function terminalText(s: string, scrub: Scrubber = processScrubber()): string {
  return visibleControls(scrub.text(s), '\n\t');
}

/** One line of text for a terminal (a name, a reason): scrubbed, with every control, line breaks included, made visible. */
export function terminalLine(s: string, scrub: Scrubber = processScrubber()): string {
  return visibleControls(scrub.text(s), '');
}

/** A stream that passes what is written through terminalText (for the human summaries on stdout and stderr). */
export function terminalStream(out: NodeJS.WritableStream, scrub: Scrubber = processScrubber()): { write(s: string): boolean } {
  return { write: (s: string) => out.write(terminalText(s, scrub)) };
}

/**
 * A record as `--json` prints it: scrubbed like the bundle, and with the characters that
 * JSON.stringify leaves raw but a terminal obeys (bidi controls, U+2028/2029, C1) written as
 * \u escapes: the same JSON value, safe to show.
 */
export function stdoutJson(value: unknown, scrub: Scrubber = processScrubber()): string {
  return `${JSON.stringify(scrub.deep(value), null, 2).replace(CONTROLS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
