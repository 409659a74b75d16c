/**
 * The HTTP mapping of the one API on the central server's xprtld: one route per
 * `contract.httpRoutes` entry, plus the live event stream as Server-Sent Events.
 *
 * A route builds the operation's input from its path parameters and the JSON body (POST) or
 * the query string (GET, values coerced to what the field expects: `after=5` is the number 5),
 * refuses unknown fields and wrong types with 400 ERR_VALIDATION naming the field, then calls
 * `service.call(op, input, caller)`. The service stays the one place that validates and
 * checks roles; this layer only turns HTTP into operations and errors into
 * `{"error":{"code","message"}}` with the code's status.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { XdcError } from '../pool/errors';
import type { RequestContext, Xprtld } from '../pool/net/xprtld';
import { httpRoutes, type OpName, operations, type PoolEvent } from './contract';
import type { ApiService, Caller } from './service-types';

export const EVENT_STREAM_PATH = '/api/v1/events/stream';
const REPLAY_PAGE = 5000;
const HEARTBEAT_WALL_MS = 15_000;
/** A client this far behind is cut off; it reconnects with Last-Event-ID and replays. */
const MAX_STREAM_BACKLOG_BYTES = 8 * 1024 * 1024;

const ANONYMOUS: Caller = { principal: 'anonymous', role: 'viewer' };

export function mountApi(xprtld: Xprtld, service: ApiService): void {
  for (const r of httpRoutes) {
    const isLogin = r.op === 'login';
    xprtld.route(
      r.method,
      r.path,
      async (ctx) => {
        const input = buildInput(r.op, r.method, ctx);
        try {
          return await service.call(r.op, input, callerOf(ctx));
        } catch (e) {
          throw e instanceof z.ZodError ? new XdcError('ERR_VALIDATION', formatZodIssues(e)) : e;
        }
      },
      isLogin ? { public: true } : { role: operations[r.op].role },
    );
  }
  xprtld.route('GET', EVENT_STREAM_PATH, (ctx) => streamEvents(ctx, service), {
    role: operations.events.role,
    queryToken: true,
  });
}

function callerOf(ctx: RequestContext): Caller {
  return ctx.caller ? { principal: ctx.caller.principal, role: ctx.caller.role } : ANONYMOUS;
}

type ObjectSchema = z.ZodObject<Record<string, z.ZodType>>;

function inputSchema(op: OpName): ObjectSchema {
  return operations[op].input as unknown as ObjectSchema;
}

/** Path params + body/query -> the operation's input, or ERR_VALIDATION saying what is wrong. */
export function buildInput(
  op: OpName,
  method: 'GET' | 'POST',
  ctx: Pick<RequestContext, 'params' | 'query' | 'body'>,
): Record<string, unknown> {
  const schema = inputSchema(op);
  const shape = schema.shape;
  const input: Record<string, unknown> = {};
  if (method === 'POST') {
    const body = ctx.body;
    if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
      throw new XdcError('ERR_VALIDATION', `the request body must be a JSON object, not ${describe(body)}`);
    }
    Object.assign(input, body ?? {});
  } else {
    for (const key of new Set(ctx.query.keys())) {
      const values = ctx.query.getAll(key);
      if (values.length > 1)
        throw new XdcError('ERR_VALIDATION', `query parameter '${key}' is given ${values.length} times`);
      const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
      input[key] = field ? coerceQueryValue(field, values[0]!) : values[0]!;
    }
  }
  for (const [name, value] of Object.entries(ctx.params)) {
    if (Object.hasOwn(input, name) && input[name] !== value) {
      throw new XdcError(
        'ERR_VALIDATION',
        `${name} is given by the path (${value}); do not repeat it differently in the request`,
      );
    }
    input[name] = value;
  }
  const unknown = Object.keys(input).filter((k) => !Object.hasOwn(shape, k));
  if (unknown.length > 0) {
    const expected = Object.keys(shape);
    throw new XdcError(
      'ERR_VALIDATION',
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} for ${op} (expected ${
        expected.length ? expected.join(', ') : 'no fields'
      })`,
    );
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new XdcError('ERR_VALIDATION', `${op}: ${formatZodIssues(parsed.error)}`);
  return input;
}

/** A query string only carries text: give a field the number or boolean it expects. */
function coerceQueryValue(field: z.ZodType, raw: string): unknown {
  if (field.safeParse(raw).success) return raw;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw.trim())) {
    // A number the field rejects still goes on as a number, so the error names the real range.
    return Number(raw);
  }
  if (raw === 'true' || raw === 'false') {
    const b = raw === 'true';
    if (field.safeParse(b).success) return b;
  }
  return raw;
}

/** `guestId: expected string, received number; limit: too big (max 5000)`. */
export function formatZodIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => {
      const where = i.path.length ? i.path.map(String).join('.') : 'input';
      return `${where}: ${i.message.replace(/^Invalid input: /, '')}`;
    })
    .join('; ');
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return `a ${typeof x}`;
}

// ---------------------------------------------------------------- Server-Sent Events

async function streamEvents(ctx: RequestContext, service: ApiService): Promise<void> {
  const lastEventId = ctx.req.headers['last-event-id'];
  const afterText = ctx.query.get('after') ?? (typeof lastEventId === 'string' ? lastEventId : '0');
  const after = Number(afterText);
  if (!/^\d+$/.test(afterText.trim()) || !Number.isSafeInteger(after)) {
    throw new XdcError('ERR_VALIDATION', `after must be a whole number >= 0, got '${afterText}'`);
  }
  for (const key of ctx.query.keys()) {
    if (key !== 'after' && key !== 'token' && key !== 'kind')
      throw new XdcError('ERR_VALIDATION', `unknown query parameter '${key}' (expected after, kind, token)`);
  }
  const kind = ctx.query.get('kind') ?? undefined;
  const caller = callerOf(ctx);

  // Subscribe before replaying, buffer what arrives meanwhile, then send each event once, in order.
  let live = false;
  let lastSent = after;
  const pending: PoolEvent[] = [];
  let res: ServerResponse | null = null;
  const send = (e: PoolEvent) => {
    if (!res || e.seq <= lastSent || (kind !== undefined && e.kind !== kind)) return;
    lastSent = e.seq;
    res.write(`id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`);
    if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) res.destroy();
  };
  const unsubscribe = service.subscribe((e) => {
    if (live) send(e);
    else pending.push(e);
  });
  let heartbeat: NodeJS.Timeout | undefined;
  const cleanup = () => {
    unsubscribe();
    if (heartbeat) clearInterval(heartbeat);
  };
  let page: PoolEvent[];
  try {
    // The first page before any byte is written: a refusal is still a proper HTTP error.
    page = await service.call('events', { after, limit: REPLAY_PAGE, ...(kind ? { kind } : {}) }, caller);
  } catch (e) {
    cleanup();
    throw e instanceof z.ZodError ? new XdcError('ERR_VALIDATION', formatZodIssues(e)) : e;
  }
  res = ctx.takeOver();
  res.on('close', cleanup);
  if (res.destroyed) {
    cleanup();
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': xdc event stream\n\n');
  try {
    for (;;) {
      for (const e of page) send(e);
      if (page.length < REPLAY_PAGE || res.destroyed) break;
      page = await service.call(
        'events',
        { after: lastSent, limit: REPLAY_PAGE, ...(kind ? { kind } : {}) },
        caller,
      );
    }
  } catch (e) {
    const err = e instanceof XdcError ? e : new XdcError('ERR_INTERNAL', 'replaying the event log failed');
    res.write(
      `event: error\ndata: ${JSON.stringify({ error: { code: err.code, message: err.message } })}\n\n`,
    );
    res.end();
    return;
  }
  live = true;
  for (const e of pending.splice(0)) send(e);
  heartbeat = setInterval(() => {
    if (res && !res.destroyed) res.write(': ping\n\n');
  }, HEARTBEAT_WALL_MS);
  heartbeat.unref();
}
