/**
 * Bad input to browser mode's WebSocket over a real pool (bootLab, real HTTP upgrade, real
 * frames): well-formed calls with hostile op names and inputs, mutated and truncated JSON,
 * random text, binary frames, invalid UTF-8 and oversized frames. Each frame is answered with a
 * CallOutcome (`{type:'result', ok:false, error:{code,message}}` for a refusal) or the
 * connection is closed cleanly with a WebSocket close code; the server never crashes and the
 * pool keeps answering on a new connection. XDC_FUZZ_RUNS raises the budget (default 300).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type BootedLab, bootLab } from '../../src-main/api/boot';
import { type BrowserModeServer, startBrowserMode } from '../../src-main/serve/browser-mode';
import { TEST_AUTH } from '../support/pool-fixture';
import { anyCall, expectCallOutcome, fuzzRuns } from './api-call-arbitraries';

const RUNS = fuzzRuns(300);
const ADMIN = { principal: 'user:admin', role: 'admin' } as const;
/** Fast pool time, so a call held by a crashed or partitioned node times out in milliseconds. */
const FAST = 10_000;
const REPLY_WAIT_MS = 20_000;

let root: string;
let lab: BootedLab;
let server: BrowserModeServer;
let savedHome: string | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'xdc-fuzz-ws-'));
  savedHome = process.env.XDC_LAB_HOME;
  process.env.XDC_LAB_HOME = join(root, 'home');
  lab = await bootLab({ labDir: join(root, 'lab'), auth: TEST_AUTH });
  await lab.service.call('setClockSpeed', { speed: FAST }, ADMIN);
  server = await startBrowserMode({ service: lab.service, rendererDir: join(root, 'renderer') });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await lab?.close();
  if (savedHome === undefined) delete process.env.XDC_LAB_HOME;
  else process.env.XDC_LAB_HOME = savedHome;
  rmSync(root, { recursive: true, force: true });
});

type Reply = { kind: 'message'; message: Record<string, unknown> } | { kind: 'closed'; code: number };

/** One tab's socket: replies (events skipped) and the close, in arrival order. */
class Tab {
  readonly socket: WebSocket;
  private queue: Reply[] = [];
  private waiting: ((r: Reply) => void) | null = null;
  closed = false;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      expect(isBinary, 'the server sent a binary frame').toBe(false);
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.type !== 'event') this.push({ kind: 'message', message });
    });
    socket.on('close', (code) => {
      this.closed = true;
      this.push({ kind: 'closed', code });
    });
    socket.on('error', () => undefined);
  }

  private push(r: Reply): void {
    const w = this.waiting;
    this.waiting = null;
    if (w) w(r);
    else this.queue.push(r);
  }

  static open(): Promise<Tab> {
    const origin = `http://127.0.0.1:${server.port}`;
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin });
    const tab = new Tab(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(tab));
      socket.once('unexpected-response', (_q, res) =>
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  next(): Promise<Reply> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`no reply and no close within ${REPLY_WAIT_MS} ms`));
      }, REPLY_WAIT_MS);
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
    });
  }
}

/** What goes on the wire in one case. */
type Frame =
  | { kind: 'text'; text: string; id: number | null }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'bad-utf8'; bytes: Uint8Array }
  | { kind: 'oversize' };

const wellFormed = fc
  .tuple(fc.nat({ max: 2 ** 31 }), anyCall)
  .map(([id, { op, input }]) => ({ id, text: JSON.stringify({ type: 'call', id, op, input }) }));

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 8, arbitrary: wellFormed.map((w) => ({ kind: 'text' as const, text: w.text, id: w.id })) },
  {
    // A well-formed call with a few bytes replaced, inserted or cut off.
    weight: 4,
    arbitrary: fc
      .tuple(
        wellFormed,
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.constantFrom('"', '{', '}', ',', ':', '\\', '0', 'e', ' ', '\u0000', '\u2028'),
          ),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        fc.option(fc.nat()),
      )
      .map(([w, edits, cut]) => {
        let t = w.text;
        for (const [at, c] of edits) {
          const i = at % (t.length + 1);
          t = at % 2 ? `${t.slice(0, i)}${c}${t.slice(i + 1)}` : `${t.slice(0, i)}${c}${t.slice(i)}`;
        }
        if (cut !== null) t = t.slice(0, cut % (t.length + 1));
        return { kind: 'text' as const, text: t, id: null };
      }),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 200 }),
        fc.json({ maxDepth: 3 }),
        fc.constantFrom(
          '',
          'null',
          '[]',
          '{}',
          '{"type":"call"}',
          '{"type":"call","id":-1,"op":"getPool"}',
          '{"type":"call","id":1.5,"op":"getPool"}',
          '{"type":"call","id":9007199254740993,"op":"getPool"}',
          '{"type":"call","id":"7","op":"getPool"}',
          '{"type":"hello","id":3}',
          '{"type":"call","id":4,"op":"__proto__"}',
          '{"__proto__":{"type":"call"},"id":5,"op":"getPool"}',
          `{"type":"call","id":6,"op":"getPool","input":${'['.repeat(5000)}${']'.repeat(5000)}}`,
          `{"type":"call","id":8,"op":"dcli","input":{"guestId":"g1","line":"${'x'.repeat(5000)}"}}`,
        ),
      )
      .map((text) => ({ kind: 'text' as const, text, id: null })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'binary' as const, bytes })),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 16 })
      .map((b) => ({ kind: 'bad-utf8' as const, bytes: Uint8Array.from([...b, 0xc3, 0x28, 0xff]) })),
  },
);

const seen = { answered: 0, refused: 0, closed: 0, oversize: 0 };
const codes = new Map<string, number>();

async function send(tab: Tab, f: Frame): Promise<void> {
  if (f.kind === 'text') tab.socket.send(f.text);
  else if (f.kind === 'binary') tab.socket.send(f.bytes, { binary: true });
  else if (f.kind === 'bad-utf8') tab.socket.send(Buffer.from(f.bytes), { binary: false });
  else tab.socket.send('x'.repeat(1024 * 1024 + 1));
  const reply = await tab.next();
  const context = f.kind === 'text' ? f.text.slice(0, 300) : f.kind;
  if (reply.kind === 'closed') {
    // Only frames the WebSocket layer itself rejects may cost the connection.
    expect(['bad-utf8', 'oversize'], `the server closed the socket after ${context}`).toContain(f.kind);
    expect(reply.code, context).toBe(f.kind === 'oversize' ? 1009 : 1007);
    seen.closed++;
    return;
  }
  const m = reply.message;
  expect(m.type, context).toBe('result');
  if (f.kind === 'text' && f.id !== null) expect(m.id, context).toBe(f.id);
  else expect(typeof m.id, context).toBe('number');
  if (expectCallOutcome(m, context) === 'ok') seen.answered++;
  else {
    seen.refused++;
    const code = String((m.error as { code: string }).code);
    codes.set(code, (codes.get(code) ?? 0) + 1);
    // ERR_INTERNAL is a bug report in a sentence: bad input must be named, not crash a handler.
    expect(code, `${context} -> ${String((m.error as { message: string }).message)}`).not.toBe(
      'ERR_INTERNAL',
    );
  }
}

/** The pool still answers a real question, as the tab would ask it. */
async function poolAnswers(tab: Tab): Promise<void> {
  const id = 900_000_000 + seen.answered + seen.refused + seen.closed;
  tab.socket.send(JSON.stringify({ type: 'call', id, op: 'labInfo', input: {} }));
  const reply = await tab.next();
  if (reply.kind !== 'message') throw new Error(`the pool did not answer: the socket closed (${reply.code})`);
  const m = reply.message as { id: unknown; ok: unknown; value?: { dir?: unknown } };
  expect(m.id).toBe(id);
  expect(m.ok).toBe(true);
  expect(m.value?.dir).toBe(lab.labDir);
}

describe('the browser-mode WebSocket under bad input', () => {
  it(`answers ${RUNS} random frames with a CallOutcome or closes cleanly, and the pool keeps answering`, async () => {
    let tab = await Tab.open();
    expect((await tab.next()).kind).toBe('message'); // hello
    const fresh = async () => {
      tab = await Tab.open();
      const hello = await tab.next();
      expect(hello.kind === 'message' && hello.message.type).toBe('hello');
    };
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        // A generated call may have paused the clock: a held call must still end in a timeout.
        await lab.service.call('setClockSpeed', { speed: FAST }, ADMIN);
        if (tab.closed) await fresh();
        await send(tab, f);
        if (tab.closed) await fresh();
        await poolAnswers(tab);
      }),
      { numRuns: RUNS, timeout: 60_000 },
    );
    // The frames the WebSocket layer refuses: each closes the connection with its own code.
    for (const f of [
      { kind: 'oversize' } as const,
      { kind: 'bad-utf8', bytes: Uint8Array.from([0xff, 0xfe]) } as const,
    ]) {
      await send(tab, f);
      if (f.kind === 'oversize') seen.oversize++;
      await fresh();
      await poolAnswers(tab);
    }
    tab.socket.close();
    const view = await lab.service.call('getPool', {}, ADMIN);
    expect(Array.isArray((view as { hosts?: unknown }).hosts)).toBe(true);
    // Both outcomes must really occur, or the generator stopped reaching the service.
    expect(seen.answered).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    console.log(
      `ws fuzz: ${RUNS} cases, ${seen.answered} answered ok, ${seen.refused} refused with a CallOutcome error, ${seen.closed} clean closes (${seen.oversize} oversize); codes ${JSON.stringify(Object.fromEntries(codes))}`,
    );
  }, 300_000);

  it('refuses an upgrade without the token or from a foreign origin, and keeps serving', async () => {
    for (const [url, origin] of [
      [`ws://127.0.0.1:${server.port}/ws`, `http://127.0.0.1:${server.port}`],
      [`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, 'https://evil.example'],
      [`ws://127.0.0.1:${server.port}/nope?token=${server.token}`, `http://127.0.0.1:${server.port}`],
    ] as const) {
      const status = await new Promise<number>((resolve) => {
        const s = new WebSocket(url, { origin });
        s.on('unexpected-response', (_q, res) => {
          resolve(res.statusCode ?? 0);
          s.terminate();
        });
        s.on('open', () => {
          resolve(101);
          s.close();
        });
        s.on('error', () => undefined);
      });
      expect([401, 403, 404], url).toContain(status);
    }
    const tab = await Tab.open();
    await tab.next();
    await poolAnswers(tab);
    tab.socket.close();
  });
});
