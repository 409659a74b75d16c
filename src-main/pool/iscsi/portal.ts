/**
 * The iSCSI target portal: a TCP listener on 127.0.0.1 (never another address: the lab's LUNs
 * are for this machine only), the registry of sessions (TSIH, session reinstatement on a new
 * login with the same initiator name and ISID, connections joining with TSIH != 0 up to
 * MaxConnections), and the connections. Portal group tag 1.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { XdcError } from '../errors';
import type { ChapConfig } from './chap';
import { MIN_SECRET_BYTES } from './chap';
import { Connection, type PortalSide } from './connection';
import { type LoginDone, LoginFailure, type LoginIdentity, LoginStatus } from './login';
import type { IscsiNode, IscsiNodeDirectory } from './node';
import type { SessionParams } from './params';
import { Session } from './session';

export const ISCSI_HOST = '127.0.0.1';
export const DEFAULT_ISCSI_PORT = 3260;

export interface IscsiPortalOptions {
  /** The exported nodes, looked up at each login. */
  nodes: IscsiNodeDirectory;
  /** TCP port (0 = any free port). */
  port?: number;
  /** CHAP-MD5 required of every initiator when set; no authentication otherwise. */
  chap?: ChapConfig;
  log?: (line: string) => void;
}

export interface IscsiSessionInfo {
  tsih: number;
  initiatorName: string;
  target: string | null;
  connections: number;
}

export class IscsiPortal implements PortalSide {
  readonly portalGroupTag = 1;
  readonly chap?: ChapConfig;
  private readonly sessions = new Map<number, Session>();
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<Socket>();
  private nextTsih = 1;
  private boundPort = 0;

  private constructor(
    private readonly server: Server,
    private readonly o: IscsiPortalOptions,
  ) {
    this.chap = o.chap;
  }

  /** Starts listening on 127.0.0.1:`port`. */
  static async start(o: IscsiPortalOptions): Promise<IscsiPortal> {
    if (o.chap && Buffer.byteLength(o.chap.secret) < MIN_SECRET_BYTES) {
      throw new XdcError(
        'ERR_VALIDATION',
        `the CHAP secret must be at least ${MIN_SECRET_BYTES} bytes (RFC 7143 12.1.3)`,
      );
    }
    const server = createServer();
    const portal = new IscsiPortal(server, o);
    server.on('connection', (socket) => portal.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new XdcError(
            'ERR_CONFLICT',
            `the iSCSI portal cannot listen on ${ISCSI_HOST}:${o.port ?? DEFAULT_ISCSI_PORT}: ${e.code ?? e.message}`,
          ),
        ),
      );
      server.listen(o.port ?? DEFAULT_ISCSI_PORT, ISCSI_HOST, () => resolve());
    });
    server.on('error', (e) => portal.log(`iSCSI portal error: ${e.message}`));
    const addr = server.address();
    portal.boundPort = typeof addr === 'object' && addr ? addr.port : 0;
    portal.log(`iSCSI target listening on ${portal.address}`);
    return portal;
  }

  get port(): number {
    return this.boundPort;
  }

  get address(): string {
    return `${ISCSI_HOST}:${this.boundPort}`;
  }

  nodes(): readonly IscsiNode[] {
    return this.o.nodes();
  }

  log(line: string): void {
    this.o.log?.(line);
  }

  sessionInfo(): IscsiSessionInfo[] {
    return [...this.sessions.values()].map((s) => ({
      tsih: s.tsih,
      initiatorName: s.initiatorName,
      target: s.node?.name ?? null,
      connections: s.connections.size,
    }));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    this.connections.add(new Connection(socket, this));
  }

  // ---- LoginHost ----

  targetExists(name: string): boolean {
    return this.nodes().some((n) => n.name === name);
  }

  targetAlias(name: string): string | undefined {
    return this.nodes().find((n) => n.name === name)?.alias;
  }

  joinCheck(identity: LoginIdentity): SessionParams {
    const s = this.sessions.get(identity.tsih);
    if (!s || s.closed || !s.isid.equals(identity.isid) || s.initiatorName !== identity.initiatorName) {
      throw new LoginFailure(
        LoginStatus.SESSION_DOES_NOT_EXIST,
        `no session with TSIH ${identity.tsih} for this initiator`,
      );
    }
    if (!s.connections.has(identity.cid) && s.connections.size >= s.params.maxConnections) {
      throw new LoginFailure(
        LoginStatus.TOO_MANY_CONNECTIONS,
        `session ${s.tsih} already has MaxConnections=${s.params.maxConnections}`,
      );
    }
    return s.params;
  }

  window(identity: LoginIdentity, cmdSN: number): { expCmdSN: number; maxCmdSN: number } {
    const s = identity.tsih ? this.sessions.get(identity.tsih) : undefined;
    return s ? s.window() : { expCmdSN: cmdSN >>> 0, maxCmdSN: cmdSN >>> 0 };
  }

  enterSession(conn: Connection, done: LoginDone, firstCmdSN: number): Session {
    const id = done.identity;
    if (id.tsih !== 0) {
      this.joinCheck(id);
      const s = this.sessions.get(id.tsih)!;
      // Connection reinstatement: a login with a CID in use replaces that connection.
      s.connections.get(id.cid)?.close('connection reinstated');
      s.connections.set(id.cid, conn);
      return s;
    }
    const node = id.discovery ? null : (this.nodes().find((n) => n.name === id.targetName) ?? null);
    if (!id.discovery && !node)
      throw new LoginFailure(LoginStatus.NOT_FOUND, `no target ${id.targetName} here`);
    // Session reinstatement (RFC 7143 6.3.5): same initiator, ISID and target replaces the old one.
    for (const s of this.sessions.values()) {
      if (s.initiatorName === id.initiatorName && s.isid.equals(id.isid) && s.node === node)
        s.close('session reinstated');
    }
    const tsih = this.allocateTsih();
    const s = new Session(tsih, id.isid, id.initiatorName, node, done.session, firstCmdSN);
    s.connections.set(id.cid, conn);
    this.sessions.set(tsih, s);
    return s;
  }

  sessionsOf(node: IscsiNode): readonly Session[] {
    return [...this.sessions.values()].filter((s) => s.node === node && !s.closed);
  }

  connectionClosed(conn: Connection): void {
    this.connections.delete(conn);
    for (const [tsih, s] of this.sessions) if (s.closed) this.sessions.delete(tsih);
  }

  private allocateTsih(): number {
    for (;;) {
      const t = this.nextTsih;
      this.nextTsih = this.nextTsih >= 0xffff ? 1 : this.nextTsih + 1;
      if (!this.sessions.has(t)) return t;
    }
  }

  /** Ends every session (a lab switch: the nodes they were logged in to are gone). */
  dropSessions(reason: string): void {
    for (const s of this.sessions.values()) s.close(reason);
    for (const c of this.connections) c.close(reason);
    this.sessions.clear();
  }

  /** Stops listening and ends every connection. */
  async close(): Promise<void> {
    this.dropSessions('target stopped');
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.log('iSCSI target stopped');
  }
}
