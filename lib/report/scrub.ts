// Nothing secret may reach an evidence bundle. Every string written into a bundle passes
// through scrubText: known secret shapes (PGPASSWORD=…, password=…, Authorization headers,
// bearer tokens, redis AUTH, URL credentials, PEM private keys, kubeconfig credential keys,
// JWTs) are replaced, and so is the value of any environment variable whose name says it
// holds a secret, wherever that value appears. The environment itself is never written.

export const REDACTED = '[REDACTED]';

/** Environment variable names whose values are treated as secrets wherever they appear. */
const SECRET_ENV_NAME = /(PASS(WORD|WD)?|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|SESSION|COOKIE)/i;

/** Matched by the pattern above but ordinary: the working directory is not a password. */
const NOT_SECRET_ENV = new Set(['PWD', 'OLDPWD', 'SSH_AUTH_SOCK', 'XAUTHORITY']);

/** Secret names as they appear in command lines, env assignments, query strings and YAML. */
const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|pgpassword|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client-key-data|client-certificate-data|credentials?|auth[_-]?token)`;

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
  { pattern: /\b((?:Proxy-)?Authorization)(\s*[:=]\s*)(?:"[^"\n]*"|'[^'\n]*'|[^\r\n]+)/gi, replace: `$1$2${REDACTED}` },
  // Bearer / Basic credentials anywhere else.
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, replace: `$1 ${REDACTED}` },
  // key=value and key: value forms (env assignments, libpq strings, query strings, YAML, JSON).
  {
    pattern: new RegExp(String.raw`(["']?\b${SECRET_KEY}["']?)(\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s&;,'"}\]]+)`, 'gi'),
    replace: (_m, key, sep) => `${key}${sep}${REDACTED}`,
  },
  // Command-line flags that take a secret as their next argument.
  {
    pattern: /(\s--?(?:password|passwd|pass|token|secret|api-key|client-key|auth)(?:=|\s+))("[^"\n]*"|'[^'\n]*'|\S+)/gi,
    replace: `$1${REDACTED}`,
  },
  // redis-cli -a <password> and the AUTH command.
  { pattern: /(\bredis-cli\b[^\n]*?\s-a\s+)("[^"\n]*"|'[^'\n]*'|\S+)/g, replace: `$1${REDACTED}` },
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

export interface Scrubber {
  text(s: string): string;
  /** Deep copy of a JSON-able value with every string scrubbed. */
  deep<T>(value: T): T;
}

export function makeScrubber(env: NodeJS.ProcessEnv = process.env): Scrubber {
  const envValues = secretEnvValues(env);
  const text = (s: string): string => {
    let out = s;
    for (const v of envValues) if (out.includes(v)) out = out.split(v).join(REDACTED);
    for (const rule of RULES) out = out.replace(rule.pattern, rule.replace as (substring: string, ...args: string[]) => string);
    return out;
  };
  const deep = <T>(value: T): T => {
    if (typeof value === 'string') return text(value) as T;
    if (Array.isArray(value)) return value.map((v) => deep(v)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = deep(v);
      return out as T;
    }
    return value;
  };
  return { text, deep };
}

/** Convenience: scrub one string with the current environment. */
export function scrubText(s: string, env: NodeJS.ProcessEnv = process.env): string {
  return makeScrubber(env).text(s);
}
