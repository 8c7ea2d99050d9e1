// The GitHub Action's pull request comment (scripts/action-comment.mjs) against a FAKE GitHub
// REST API: a local HTTP server made here that keeps issue comments in memory and answers the
// three calls the script makes (list, create, update) as api.github.com documents them. It
// proves the script's requests, not GitHub: the real API is reached only on GitHub.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { scriptEnv, script } from './helpers.ts';

const MARKER = '<!-- flowproof-diff -->';
const TOKEN = 'ghs_fakeTokenForTheFakeApi0123456789';

interface FakeComment {
  id: number;
  body: string;
  user: { login: string };
}
interface FakeRequest {
  method: string;
  path: string;
  auth: string | undefined;
  body?: { body?: string };
}

/** The fake GitHub API: issue comments of one repository, in memory. */
class FakeGitHubApi {
  comments = new Map<number, FakeComment[]>();
  requests: FakeRequest[] = [];
  /** When set, every request is answered with this status. */
  failWith?: number;
  private nextId = 1000;
  private server?: Server;
  url = '';

  constructor(readonly repo: string) {}

  seed(issue: number, body: string, login = 'someone'): FakeComment {
    const c = { id: this.nextId++, body, user: { login } };
    this.comments.set(issue, [...(this.comments.get(issue) ?? []), c]);
    return c;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req).then(({ status, body, headers }) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    }));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const url = new URL(req.url ?? '/', this.url);
    const record: FakeRequest = { method: req.method ?? '', path: `${url.pathname}${url.search}`, auth: req.headers.authorization, ...(text ? { body: JSON.parse(text) } : {}) };
    this.requests.push(record);
    if (this.failWith) return { status: this.failWith, body: { message: 'Resource not accessible by integration' } };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, body: { message: 'Bad credentials' } };
    const prefix = `/repos/${this.repo}/issues/`;
    if (!url.pathname.startsWith(prefix)) return { status: 404, body: { message: 'Not Found' } };
    const rest = url.pathname.slice(prefix.length);
    const list = /^(\d+)\/comments$/.exec(rest);
    if (list && req.method === 'GET') {
      const all = this.comments.get(Number(list[1])) ?? [];
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const items = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = page * perPage < all.length ? { Link: `<${this.url}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"` } : {};
      return { status: 200, body: items, headers };
    }
    if (list && req.method === 'POST') {
      const c = this.seed(Number(list[1]), String(record.body?.body ?? ''), 'github-actions[bot]');
      return { status: 201, body: { ...c, html_url: `https://github.example/${this.repo}/pull/${list[1]}#issuecomment-${c.id}` } };
    }
    const one = /^comments\/(\d+)$/.exec(rest);
    if (one && req.method === 'PATCH') {
      for (const cs of this.comments.values()) {
        const c = cs.find((x) => x.id === Number(one[1]));
        if (c) {
          c.body = String(record.body?.body ?? '');
          return { status: 200, body: c };
        }
      }
      return { status: 404, body: { message: 'Not Found' } };
    }
    return { status: 404, body: { message: 'Not Found' } };
  }
}

describe('GitHub Action, pull request comment (scripts/action-comment.mjs) against a fake GitHub API', function () {
  this.timeout(30_000);
  let api: FakeGitHubApi;
  let tmp: string;
  let prEvent: string;
  let pushEvent: string;
  const write = (name: string, text: string) => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };
  const comment = (file: string, env: Record<string, string>) =>
    execa('node', [script('action-comment.mjs'), file], {
      env: scriptEnv({ GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'acme/shop', GITHUB_EVENT_PATH: prEvent, ...env }),
      extendEnv: false,
      reject: false,
    });

  beforeEach(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flowproof-comment-'));
    prEvent = write('pull_request.json', JSON.stringify({ action: 'synchronize', number: 42, pull_request: { number: 42, base: { sha: 'abc' } } }));
    pushEvent = write('push.json', JSON.stringify({ ref: 'refs/heads/main', after: 'def' }));
    api = new FakeGitHubApi('acme/shop');
    await api.start();
  });
  afterEach(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the first call creates the comment, the second updates the same one (PATCH), never a second comment', async () => {
    const first = await comment(write('a.md', '## flowproof diff\n\n**1 declared flow flips**\n'), { GITHUB_TOKEN: TOKEN });
    expect(first.exitCode, first.stderr).to.equal(0);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['GET /repos/acme/shop/issues/42/comments?per_page=100&page=1', 'POST /repos/acme/shop/issues/42/comments']);
    const [created] = api.comments.get(42)!;
    expect(created!.body.startsWith(`${MARKER}\n## flowproof diff`)).to.equal(true);
    expect(first.stdout).to.include(`created comment ${created!.id} on pull request #42`);

    api.requests = [];
    const second = await comment(write('b.md', '## flowproof diff\n\n**no change**\n'), { GITHUB_TOKEN: TOKEN });
    expect(second.exitCode, second.stderr).to.equal(0);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['GET /repos/acme/shop/issues/42/comments?per_page=100&page=1', `PATCH /repos/acme/shop/issues/comments/${created!.id}`]);
    expect(api.comments.get(42)).to.have.length(1);
    expect(api.comments.get(42)![0]!.body).to.include('**no change**').and.not.include('flips');
    expect(second.stdout).to.include(`updated comment ${created!.id}`);
    expect(api.requests.every((r) => r.auth === `Bearer ${TOKEN}`)).to.equal(true);
  });

  it('finds its comment past the first page and leaves the others alone (one quoting the marker too)', async () => {
    for (let i = 0; i < 130; i++) api.seed(42, i === 5 ? `> ${MARKER}\n> quoted` : `comment ${i}`);
    const mine = api.seed(42, `${MARKER}\nold diff`, 'github-actions[bot]');
    const r = await comment(write('c.md', 'new diff'), { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(api.requests.map((x) => `${x.method} ${x.path}`)).to.deep.equal([
      'GET /repos/acme/shop/issues/42/comments?per_page=100&page=1',
      'GET /repos/acme/shop/issues/42/comments?per_page=100&page=2',
      `PATCH /repos/acme/shop/issues/comments/${mine.id}`,
    ]);
    expect(mine.body).to.equal(`${MARKER}\nnew diff\n`);
    expect(api.comments.get(42)!.filter((c) => c.id !== mine.id).every((c) => !c.body.includes('new diff'))).to.equal(true);
  });

  it('links the run when GitHub names it', async () => {
    const r = await comment(write('d.md', 'diff'), { GITHUB_TOKEN: TOKEN, GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '777' });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(api.comments.get(42)![0]!.body).to.include('(https://github.com/acme/shop/actions/runs/777)');
  });

  it('no token: no call at all, exit 0', async () => {
    const r = await comment(write('e.md', 'diff'), {});
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.include('no token given: no comment');
    expect(api.requests).to.deep.equal([]);
  });

  it('not a pull request (a push event): no call, exit 0', async () => {
    const r = await comment(write('f.md', 'diff'), { GITHUB_TOKEN: TOKEN, GITHUB_EVENT_PATH: pushEvent });
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.include('not a pull request');
    expect(api.requests).to.deep.equal([]);
  });

  it('a refused call (a read-only token) is exit 3 naming the permission, and never prints the token', async () => {
    api.failWith = 403;
    const r = await comment(write('g.md', 'diff'), { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode).to.equal(3);
    expect(r.stderr).to.include('HTTP 403 Resource not accessible by integration');
    expect(r.stderr).to.include('pull-requests: write');
    expect(`${r.stdout}${r.stderr}`).to.not.include(TOKEN);
  });

  it('a body over GitHub\'s 65536 characters is cut, saying where the whole diff is', async () => {
    const r = await comment(write('h.md', `${'x'.repeat(100)}\n`.repeat(1000)), { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode, r.stderr).to.equal(0);
    const body = api.comments.get(42)![0]!.body;
    expect(body.length).to.be.at.most(65536);
    expect(body).to.include('the whole diff is in the step summary and the artifact');
  });

  it('bad input: a repository that is not owner/name is exit 2, before any call', async () => {
    for (const bad of ['acme/shop/../x', 'acme/..', '']) {
      const r = await comment(write('i.md', 'diff'), { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: bad });
      expect(r.exitCode, bad).to.equal(2);
    }
    expect(api.requests).to.deep.equal([]);
  });
});
