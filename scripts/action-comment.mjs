#!/usr/bin/env node
// The GitHub Action's pull request comment: `node scripts/action-comment.mjs <markdown file>`
// creates ONE comment on the pull request with the file's markdown, or updates the comment it
// made before (found by the hidden marker <!-- flowproof-diff --> its body starts with), so a
// pull request never collects one comment per push. The only network use of the action's
// scripts: the GitHub REST API.
//
// Environment:
//   GITHUB_TOKEN       the token (the action's token input); without it nothing is called
//   GITHUB_REPOSITORY  owner/name
//   GITHUB_EVENT_PATH  the event payload: the pull request's number is read from it
//   GITHUB_API_URL     the REST API's base URL (default https://api.github.com; GitHub
//                      Enterprise Server sets its own, tests point it at a fake server)
//   GITHUB_SERVER_URL, GITHUB_RUN_ID   when set, the comment links the run
// Exit: 0 commented, or nothing to do (no token, not a pull request: said on stdout);
//       2 bad input (no markdown file, GITHUB_REPOSITORY missing); 3 the API refused or failed.
// The token is never printed.
import { readFileSync } from 'node:fs';

const MARKER = '<!-- flowproof-diff -->';
// GitHub refuses a comment body over 65536 characters.
const MAX_BODY = 65536;

const say = (line) => process.stdout.write(`flowproof comment: ${line}\n`);

function pullNumber(eventPath) {
  if (!eventPath) return undefined;
  let event;
  try {
    event = JSON.parse(readFileSync(eventPath, 'utf8'));
  } catch (err) {
    say(`cannot read the event payload ${eventPath}: ${err.message}`);
    return undefined;
  }
  const n = event?.pull_request?.number ?? (event?.issue?.pull_request ? event.issue.number : undefined);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function commentBody(markdown, runUrl) {
  const footer = runUrl ? `\n\n<sub>[flowproof run](${runUrl}) · this comment is updated on every push</sub>\n` : '\n';
  let text = markdown.trimEnd();
  const room = MAX_BODY - MARKER.length - 1 - footer.length - 200;
  if (text.length > room) text = `${text.slice(0, room)}\n\n… cut here: GitHub takes at most ${MAX_BODY} characters in a comment; the whole diff is in the step summary and the artifact.`;
  return `${MARKER}\n${text}${footer}`;
}

class ApiError extends Error {}

async function api(base, token, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Accept: 'application/vnd.github+json',
      Authorization: `Bearer ${token}`,
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'flowproof-action',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      message = JSON.parse(text).message ?? message;
    } catch {
      // not JSON: the start of the text
    }
    throw new ApiError(`${method} ${path}: HTTP ${res.status} ${message}`);
  }
  return { data: text ? JSON.parse(text) : undefined, link: res.headers.get('link') ?? '' };
}

/** The comment this script made before on the pull request, if any (every page is read). */
async function findComment(base, token, repo, number) {
  for (let page = 1; page <= 100; page++) {
    const { data, link } = await api(base, token, 'GET', `/repos/${repo}/issues/${number}/comments?per_page=100&page=${page}`);
    const found = (data ?? []).find((c) => typeof c.body === 'string' && c.body.startsWith(MARKER));
    if (found) return found;
    if (!Array.isArray(data) || data.length < 100 || !/rel="next"/.test(link)) return undefined;
  }
  return undefined;
}

async function main(argv, env) {
  const file = argv[0];
  if (!file) {
    process.stderr.write('usage: action-comment.mjs <markdown file>\n');
    return 2;
  }
  const token = env.GITHUB_TOKEN ?? '';
  if (!token) {
    say('no token given: no comment (give the action token: ${{ github.token }} and pull-requests: write)');
    return 0;
  }
  const number = pullNumber(env.GITHUB_EVENT_PATH);
  if (!number) {
    say('this event is not a pull request: no comment');
    return 0;
  }
  const repo = env.GITHUB_REPOSITORY ?? '';
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo) || repo.split('/').some((part) => /^\.+$/.test(part))) {
    process.stderr.write(`flowproof comment: GITHUB_REPOSITORY must be owner/name, got "${repo}"\n`);
    return 2;
  }
  let markdown;
  try {
    markdown = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`flowproof comment: cannot read ${file}: ${err.message}\n`);
    return 2;
  }
  const base = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const runUrl = env.GITHUB_SERVER_URL && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  const body = commentBody(markdown, runUrl);
  try {
    const existing = await findComment(base, token, repo, number);
    if (existing) {
      const { data } = await api(base, token, 'PATCH', `/repos/${repo}/issues/comments/${existing.id}`, { body });
      say(`updated comment ${existing.id} on pull request #${number}${data?.html_url ? `: ${data.html_url}` : ''}`);
    } else {
      const { data } = await api(base, token, 'POST', `/repos/${repo}/issues/${number}/comments`, { body });
      say(`created comment ${data?.id ?? ''} on pull request #${number}${data?.html_url ? `: ${data.html_url}` : ''}`);
    }
    return 0;
  } catch (err) {
    const why = err instanceof ApiError ? err.message : `${base}: ${err.message}`;
    process.stderr.write(`flowproof comment: ${why}\n`);
    if (err instanceof ApiError && /HTTP 403/.test(why)) process.stderr.write('flowproof comment: the token may not write pull requests (permissions: pull-requests: write; a fork\'s pull_request token is read-only)\n');
    return 3;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
