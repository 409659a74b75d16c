/**
 * xprtld: the light-weight HTTP server every node runs (central server, each Dom0, each guest).
 * A real node:http server bound to 127.0.0.1 on an ephemeral port, with a small router, JSON in
 * and out, a body limit, VRTSat bearer-token authentication on every route that is not public,
 * and role checks. Every failure is an HTTP answer with `{"error":{"code","message"}}`, never a
 * crash of the process.
 *
 * Reachability is not xprtld's business: the fabric installs a `gate`, and a request the gate
 * refuses (its sender is cut off, or this node is down) is held unanswered, the way a dead or
 * partitioned machine answers nothing; the caller's own timeout ends it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Role } from '../../api/contract';
import { roleAtLeast } from '../central/roles';
import { asXdcError, XdcError } from '../errors';
import { parseJsonBody, readBody, sendError, sendJson } from './http-json';
import { type CompiledPattern, compilePattern, matchPattern } from './router';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The principal a verified VRTSat token names. */
export interface VerifiedCaller {
  /** `user:admin`, `node:g3`. */
  principal: string;
  role: Role;
  kind: 'user' | 'node';
  /** The node id for node principals, null for users. */
  nodeId: string | null;
}

/** Token -> caller; throws XdcError ERR_UNAUTHENTICATED when missing, forged or expired. */
export type Authenticate = (token: string) => VerifiedCaller;

export interface RequestContext {
  method: HttpMethod;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request has none. */
  body: unknown;
  /** Null only on public routes without a token. */
  caller: VerifiedCaller | null;
  /** The sending node (`X-Xdc-From`), null for clients outside the pool (the app, a browser). */
  from: string | null;
  /** Aborted when the client goes away before the answer. */
  signal: AbortSignal;
  req: IncomingMessage;
  /** The handler answers by itself (a stream): xprtld will not write the response. */
  takeOver(): ServerResponse;
}

export type Handler = (ctx: RequestContext) => unknown | Promise<unknown>;

export interface RouteOptions {
  /** The least role, or 'node' for node-to-node routes only pool nodes may call. Default viewer. */
  role?: Role | 'node';
  /** No token needed (login). */
  public?: boolean;
  /** Also accept `?token=` (EventSource cannot set headers). */
  queryToken?: boolean;
}

/** Installed by the fabric: may a request from `from` reach this node now? */
export interface RequestGate {
  admit(from: string | null): boolean;
  /** This node is holding fabric call `callId` unanswered. */
  held(callId: string): void;
}

export interface XprtldOptions {
  nodeId: string;
  authenticate: Authenticate;
  bodyLimitBytes?: number;
  /** Where unexpected handler failures are reported (besides the 500 answer). Default: silent. */
  onInternalError?: (e: unknown, where: string) => void;
}

interface Route {
  method: HttpMethod;
  compiled: CompiledPattern;
  handler: Handler;
  options: RouteOptions;
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE']);

export class Xprtld {
  readonly nodeId: string;
  gate: RequestGate | null = null;
  private readonly routes: Route[] = [];
  private readonly authenticate: Authenticate;
  private readonly bodyLimit: number;
  private readonly onInternalError: (e: unknown, where: string) => void;
  private server: Server | null = null;
  private boundPort = 0;
  private readonly heldResponses = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();

  constructor(opts: XprtldOptions) {
    this.nodeId = opts.nodeId;
    this.authenticate = opts.authenticate;
    this.bodyLimit = opts.bodyLimitBytes ?? 1024 * 1024;
    this.onInternalError = opts.onInternalError ?? (() => undefined);
  }

  route(method: HttpMethod, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    const compiled = compilePattern(pattern);
    if (this.routes.some((r) => r.method === method && r.compiled.pattern === pattern)) {
      throw new Error(`xprtld ${this.nodeId}: route ${method} ${pattern} is already registered`);
    }
    this.routes.push({ method, compiled, handler, options });
    return this;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Requests held unanswered right now (for tests and the fabric). */
  get heldCount(): number {
    return this.heldResponses.size;
  }

  /**
   * Listens on 127.0.0.1 (never any other interface) on `port` (0, the default: an ephemeral
   * one, as every pool node uses; a fixed one for the headless API); resolves to the port.
   */
  async start(port = 0): Promise<number> {
    if (this.server) return this.boundPort;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        // Last line of defence: handle() answers every error itself; this only fires on a bug there.
        this.onInternalError(e, `${req.method} ${req.url}`);
        if (!res.headersSent)
          sendError(res, new XdcError('ERR_INTERNAL', 'xprtld failed to answer the request'));
        else res.destroy();
      });
    });
    // Pool calls reuse keep-alive sockets; a server that closed idle sockets sooner than the
    // client's agent would race it into ECONNRESET.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (_e, socket) => {
      if (socket.writable)
        socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE'
            ? new XdcError(
                'ERR_CONFLICT',
                `xprtld ${this.nodeId}: port ${port} on 127.0.0.1 is already in use`,
              )
            : new XdcError(
                'ERR_IO',
                `xprtld ${this.nodeId} could not listen on 127.0.0.1:${port} (${e.message})`,
              ),
        );
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', fail);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo | null;
    if (addr?.address !== '127.0.0.1') {
      server.close();
      throw new XdcError(
        'ERR_INTERNAL',
        `xprtld ${this.nodeId} bound to ${addr?.address ?? 'nothing'}, not loopback`,
      );
    }
    this.server = server;
    this.boundPort = addr.port;
    return addr.port;
  }

  /** Stops listening and drops every connection, held requests and open streams included. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const res of this.heldResponses) res.destroy();
    this.heldResponses.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const from = headerValue(req, 'x-xdc-from');
    const callId = headerValue(req, 'x-xdc-call');
    if (this.gate && !this.gate.admit(from)) {
      this.hold(req, res, callId);
      return;
    }
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      sendError(res, new XdcError('ERR_BAD_REQUEST', `request target '${req.url}' is not a valid path`));
      return;
    }
    const path = url.pathname;
    const found = this.findRoute(method, path);
    if (!found.route) {
      req.resume();
      sendError(
        res,
        found.allowed.length > 0
          ? new XdcError(
              'ERR_METHOD_NOT_ALLOWED',
              `${method} is not allowed on ${path} (use ${found.allowed.join(', ')})`,
            )
          : new XdcError('ERR_NOT_FOUND', `no route for ${method} ${path} on xprtld ${this.nodeId}`),
      );
      return;
    }
    const { route, params } = found;
    const where = `${method} ${route.compiled.pattern}`;
    const aborter = new AbortController();
    let takenOver = false;
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort(new XdcError('ERR_TIMEOUT', 'the client went away'));
    });
    try {
      const caller = this.authorize(req, url, route, from);
      let body: unknown;
      if (method !== 'GET') body = parseJsonBody(await readBody(req, this.bodyLimit));
      else req.resume();
      const ctx: RequestContext = {
        method: method as HttpMethod,
        path,
        params,
        query: url.searchParams,
        body,
        caller,
        from,
        signal: aborter.signal,
        req,
        takeOver: () => {
          takenOver = true;
          return res;
        },
      };
      const result = await route.handler(ctx);
      if (takenOver) return;
      if (this.gate && !this.gate.admit(from)) {
        // Cut off while answering: the answer is lost on the way, as on a real network.
        this.hold(req, res, callId);
        return;
      }
      sendJson(res, 200, result === undefined ? null : result);
    } catch (e) {
      if (takenOver && res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof XdcError) {
        sendError(res, e);
        return;
      }
      this.onInternalError(e, where);
      const why = e instanceof Error ? e.message : String(e);
      const err = asXdcError(e);
      sendError(
        res,
        err.code === 'ERR_INTERNAL'
          ? new XdcError('ERR_INTERNAL', `${where} on ${this.nodeId} failed unexpectedly: ${why}`)
          : err,
      );
    }
  }

  private findRoute(
    method: string,
    path: string,
  ):
    | { route: Route; params: Record<string, string>; allowed: string[] }
    | { route: null; allowed: string[] } {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchPattern(route.compiled, path);
      if (!params) continue;
      if (route.method === method && METHODS.has(method)) return { route, params, allowed };
      allowed.push(route.method);
    }
    return { route: null, allowed };
  }

  private authorize(
    req: IncomingMessage,
    url: URL,
    route: Route,
    from: string | null,
  ): VerifiedCaller | null {
    if (route.options.public) {
      // A stale token sent along with a login must not stand in the way of logging in.
      try {
        const token = bearerToken(req);
        return token ? this.authenticate(token) : null;
      } catch {
        return null;
      }
    }
    const token = bearerToken(req) ?? (route.options.queryToken ? url.searchParams.get('token') : null);
    if (!token) {
      throw new XdcError('ERR_UNAUTHENTICATED', 'a VRTSat token is required (Authorization: Bearer <token>)');
    }
    const caller = this.authenticate(token);
    if (from !== null && (caller.kind !== 'node' || caller.nodeId !== from)) {
      throw new XdcError(
        'ERR_FORBIDDEN',
        `X-Xdc-From says ${from} but the token belongs to ${caller.principal}`,
      );
    }
    const need = route.options.role ?? 'viewer';
    if (need === 'node') {
      if (caller.kind !== 'node')
        throw new XdcError(
          'ERR_FORBIDDEN',
          `${route.compiled.pattern} is for pool nodes only, not ${caller.principal}`,
        );
    } else if (!roleAtLeast(caller.role, need)) {
      throw new XdcError(
        'ERR_FORBIDDEN',
        `${caller.principal} has role ${caller.role}; ${route.compiled.pattern} needs ${need}`,
      );
    }
    return caller;
  }

  private hold(req: IncomingMessage, res: ServerResponse, callId: string | null): void {
    req.resume();
    this.heldResponses.add(res);
    res.on('close', () => this.heldResponses.delete(res));
    if (callId) this.gate?.held(callId);
  }
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (typeof v === 'string' && v.length > 0) return v;
  return null;
}

function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new XdcError('ERR_UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  return m[1]!;
}
