// Nothing secret may reach an output: every bundle file, the Allure results and the input of
// the Allure HTML, `run --json` and `plan --json`, and the terminal. This is the one scrubber
// they all go through (Scrubber.file for a file, Scrubber.deep for a record before it is
// rendered or printed). Known secret shapes (PGPASSWORD=…, password=…, Authorization
// headers, bearer tokens, redis AUTH, URL credentials, PEM private keys, kubeconfig
// credential keys, JWTs) are replaced; so is the value of any environment variable whose name
// says it holds a secret, wherever that value appears, and every value under a key that looks
// secret (a label `db-password: …`, an annotation, a JSON field). The environment itself is
// never written.

export const REDACTED = '[REDACTED]';

/** Environment variable names whose values are treated as secrets wherever they appear. */
const SECRET_ENV_NAME = /(PASS(WORD|WD)?|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|SESSION|COOKIE)/i;

/** Matched by the pattern above but ordinary: the working directory is not a password. */
const NOT_SECRET_ENV = new Set(['PWD', 'OLDPWD', 'SSH_AUTH_SOCK', 'XAUTHORITY']);

/** Secret names as they appear in command lines, env assignments, query strings and YAML. */
const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|pgpassword|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client-key-data|client-certificate-data|credentials?|auth[_-]?token)`;

/**
 * Keys whose values are secrets whatever they hold: labels and annotations such as
 * `db-password`, `api-token`, `aws-access-key`, `ssh-key`, and JSON fields alike.
 */
const SECRET_FIELD = /(passw(?:or)?d|passwd|pwd|passphrase|secret|token|credential|api[-_.]?key|private[-_.]?key|access[-_.]?key|signing[-_.]?key|client[-_.]?key|(?:^|[-_./])key$|cookie|session[-_.]?id|authorization|(?:^|[-_./])auth$)/i;

/** Whether a label, annotation or field key says its value is a secret. */
export function isSecretField(key: string): boolean {
  return SECRET_FIELD.test(key);
}

/** The replacement in the quotes the value had ("x" stays a quoted string), never quoted twice. */
function quoted(value: string, replacement: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return `"${replacement}"`;
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return `'${replacement}'`;
  return replacement;
}

interface Rule {
  pattern: RegExp;
  replace: string | ((...m: string[]) => string);
}

const RULES: Rule[] = [
  // PEM private keys (a --sign-key file pasted somewhere, TLS keys in output).
  {
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    replace: `-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----`,
  },
  // HTTP Authorization / Proxy-Authorization headers, whatever the scheme.
  { pattern: /\b((?:Proxy-)?Authorization)(\s*[:=]\s*)(\[REDACTED\]|"[^"\n]*"|'[^'\n]*'|[^\r\n]+)/gi, replace: (_m, header, sep, value: string) => `${header}${sep}${quoted(value, REDACTED)}` },
  // Bearer / Basic credentials anywhere else.
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, replace: `$1 ${REDACTED}` },
  // key=value and key: value forms (env assignments, libpq strings, query strings, YAML, JSON).
  {
    pattern: new RegExp(String.raw`(["']?\b${SECRET_KEY}["']?)(\s*[=:]\s*)(\[REDACTED\]|"[^"\n]*"|'[^'\n]*'|[^\s&;,'"}\]\\]+)`, 'gi'),
    replace: (_m, key, sep, value: string) => `${key}${sep}${quoted(value, REDACTED)}`,
  },
  // Command-line flags that take a secret as their next argument.
  {
    pattern: /(\s--?(?:password|passwd|pass|token|secret|api-key|client-key|auth)(?:=|\s+))(\[REDACTED\]|"[^"\n]*"|'[^'\n]*'|\S+)/gi,
    replace: (_m, flag, value: string) => `${flag}${quoted(value, REDACTED)}`,
  },
  // redis-cli -a <password> and the AUTH command.
  { pattern: /(\bredis-cli\b[^\n]*?\s-a\s+)(\[REDACTED\]|"[^"\n]*"|'[^'\n]*'|\S+)/g, replace: (_m, cmd, value: string) => `${cmd}${quoted(value, REDACTED)}` },
  { pattern: /(^|[\s"'])(AUTH)(\s+)(?!\[REDACTED\])(\S+(?:\s+\S+)?)/gm, replace: `$1$2$3${REDACTED}` },
  // Credentials inside URLs: scheme://user:pass@host.
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, replace: `$1:${REDACTED}@` },
  // JSON Web Tokens.
  { pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, replace: REDACTED },
];

/** Values of secret-named environment variables (at least 4 characters, longest first). */
export function secretEnvValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 4) continue;
    if (!SECRET_ENV_NAME.test(name) || NOT_SECRET_ENV.has(name)) continue;
    // Paths and booleans are not secrets; a kubeconfig *path* is harmless, its content is not.
    if (/^(true|false|yes|no|0|1)$/i.test(value)) continue;
    values.add(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** A value as it may be spelled in a rendered file: raw, inside a JSON string, HTML-escaped. */
function spellings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const html = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  return [...new Set([value, json, html])];
}

export interface Scrubber {
  text(s: string): string;
  /** Deep copy of a JSON-able value with every string scrubbed, and every string under a secret-looking key redacted. */
  deep<T>(value: T): T;
  /** The content of an output file as it may be written: JSON stays valid JSON (its strings scrubbed one by one), any other file is scrubbed as text. */
  file(path: string, content: string): string;
}

/** A JSON string literal, and whether a `:` follows it (then it is a key). */
const JSON_STRING = /"(?:[^"\\\n]|\\.)*"(?=(\s*:)?)/g;

export function makeScrubber(env: NodeJS.ProcessEnv = process.env): Scrubber {
  const envValues = secretEnvValues(env)
    .flatMap(spellings)
    .sort((a, b) => b.length - a.length);
  const text = (s: string): string => {
    let out = s;
    for (const v of envValues) if (out.includes(v)) out = out.split(v).join(REDACTED);
    for (const rule of RULES) out = out.replace(rule.pattern, rule.replace as (substring: string, ...args: string[]) => string);
    return out;
  };
  const deep = <T>(value: T, secret = false): T => {
    if (typeof value === 'string') return (secret && value !== '' ? REDACTED : text(value)) as T;
    if (Array.isArray(value)) return value.map((v) => deep(v, secret)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[text(k)] = deep(v, secret || isSecretField(k));
      return out as T;
    }
    return value;
  };
  /** JSON text: each string literal decoded, scrubbed and re-encoded; the values of secret-looking keys redacted (until the next key). */
  const json = (content: string): string => {
    let secretKey = false;
    return content.replace(JSON_STRING, (literal: string, colon: string | undefined) => {
      let decoded: string;
      try {
        decoded = JSON.parse(literal) as string;
      } catch {
        return literal;
      }
      if (colon !== undefined) {
        secretKey = isSecretField(decoded);
        const key = text(decoded);
        return key === decoded ? literal : JSON.stringify(key);
      }
      const scrubbed = secretKey && decoded !== '' ? REDACTED : text(decoded);
      return scrubbed === decoded ? literal : JSON.stringify(scrubbed);
    });
  };
  const file = (path: string, content: string): string => (/\.json$/i.test(path) ? json(content) : text(content));
  return { text, deep: (v) => deep(v), file };
}

/** Convenience: scrub one string with the current environment. */
export function scrubText(s: string, env: NodeJS.ProcessEnv = process.env): string {
  return makeScrubber(env).text(s);
}
