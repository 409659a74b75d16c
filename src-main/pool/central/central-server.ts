/**
 * The central server: a Linux guest VM, one per pool, that is the VRTSat authentication broker
 * and the pool's database server, and the storage manager's home. Here it is assembled: the SQL
 * database in the lab folder, the broker, the event log, the storage manager's guest-facing
 * routes (reports, LUN lookups, snapshot sets, schedules) and the one API's HTTP mapping, all
 * on its own xprtld.
 */

import { mountApi } from '../../api/http';
import type { ApiService } from '../../api/service-types';
import type { LunBacking } from '../guest/wire';
import type { PoolClock } from '../net/clock';
import { Xprtld } from '../net/xprtld';
import { AuthBroker, type AuthOptions } from './auth';
import { CentralDb } from './db';
import { EventLog } from './events';
import { NodeSession } from './node-session';
import { GuestReports } from './reports';
import { CentralRepos } from './repos';

export interface CentralServerOptions {
  labDir: string;
  nodeId: string;
  clock: PoolClock;
  auth?: AuthOptions;
  /** The one API, mounted on this xprtld as /api/v1/... (absent in pool-only tests). */
  api?: ApiService;
  /** Fixed port for the API (headless --port); 0 = ephemeral. */
  port?: number;
  resolveVdi: (naaHex: string) => LunBacking | null;
}

export class CentralServer {
  readonly nodeId: string;
  readonly db: CentralDb;
  readonly repos: CentralRepos;
  readonly auth: AuthBroker;
  readonly events: EventLog;
  readonly reports: GuestReports;
  readonly xprtld: Xprtld;
  readonly session: NodeSession;
  /** Where the users' generated passwords are (credentials.json). */
  readonly credentialsFile: string;

  private constructor(o: CentralServerOptions, db: CentralDb, credentialsFile: string, auth: AuthBroker) {
    this.nodeId = o.nodeId;
    this.db = db;
    this.repos = new CentralRepos(db);
    this.auth = auth;
    this.credentialsFile = credentialsFile;
    this.events = new EventLog(db);
    this.reports = new GuestReports({
      repos: this.repos,
      events: this.events,
      clock: o.clock,
      resolveVdi: o.resolveVdi,
    });
    this.xprtld = new Xprtld({
      nodeId: o.nodeId,
      authenticate: (t) => this.auth.authenticate(t),
      onInternalError: (e, where) => console.error(`xprtld ${o.nodeId}: ${where}:`, e),
    });
    this.reports.register(this.xprtld);
    if (o.api) mountApi(this.xprtld, o.api);
    this.session = new NodeSession(
      this.auth,
      o.nodeId,
      this.auth.registerNode(o.nodeId, 'central'),
      o.auth?.now,
    );
  }

  static async open(o: CentralServerOptions): Promise<CentralServer> {
    const db = CentralDb.open(o.labDir);
    try {
      const repos = new CentralRepos(db);
      const auth = new AuthBroker(repos, o.auth);
      const users = await auth.ensureDefaultUsers(o.labDir);
      const central = new CentralServer(o, db, users.file, auth);
      await central.xprtld.start(o.port ?? 0);
      return central;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.xprtld.stop();
    this.db.close();
  }
}
