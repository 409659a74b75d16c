/**
 * The managed host: everything XDC puts inside a guest, assembled — agentlets (SCSI discovery
 * of LUNs, the apps and their LUNs), the emulated applications, XDC Reporter, the VSS plug-in
 * (requestor, writers, hardware provider) on Windows, the snapshot scheduler, DCLI and the
 * management scripts, and the guest's xprtld routes. It talks to the pool only through its
 * HBA (SCSI) and xprtld (the central server, its Dom0).
 */

import { XdcError } from '../errors';
import type { GuestSpec } from '../lab';
import type { PoolClock } from '../net/clock';
import type { Fabric, NodeCredentials } from '../net/fabric';
import type { Xprtld } from '../net/xprtld';
import { diffLuns, discoverLuns, lunName } from './agentlets';
import { AppWorkload } from './apps';
import type { DcliHost, Outcome, RescanOutcome } from './dcli/command';
import { type Completion, complete as completeLine, prompt as promptFor, runLine } from './dcli/shell';
import { GuestLog } from './guest-log';
import { CentralLink, Dom0Link } from './links';
import { Reporter } from './reporter';
import { registerGuestRoutes, unregisterGuestRoutes } from './routes';
import { SnapshotScheduler } from './scheduler';
import { runScript as runManagementScript } from './scripts';
import type { GuestHba } from './scsi-commands';
import { SnapshotService, type SnapshotTarget } from './snapshots';
import { VssFaults } from './vss/faults';
import { HardwareProvider } from './vss/provider';
import { VssRequestor } from './vss/requestor';
import type { LunBacking, LunRecord } from './wire';

export interface ManagedHostOptions {
  spec: GuestSpec;
  poolId: string;
  clock: PoolClock;
  fabric: Fabric;
  /** This guest's own xprtld (already started and registered on the fabric). */
  xprtld: Xprtld;
  /** This guest's VRTSat node credentials for fabric calls. */
  credentials: NodeCredentials;
  /** The guest's virtual HBA (a ScsiTarget of VirtualLuns over BlockRings). */
  scsi: GuestHba;
  centralNodeId: string;
  /** The Dom0 the guest runs on now (changes on migration). */
  hostNodeId: () => string;
  /** Pool ms between reporter retries while the central server is away (default 2000). */
  reportRetryMs?: number;
}

export class ManagedHost implements DcliHost {
  readonly guestId: string;
  readonly guestName: string;
  readonly os: 'windows' | 'linux';
  readonly hba: GuestHba;
  readonly centralNodeId: string;
  readonly log: GuestLog;
  readonly reporter: Reporter;
  readonly vssFaults = new VssFaults();
  readonly provider: HardwareProvider;
  readonly snapshots: SnapshotService;
  readonly scheduler: SnapshotScheduler;
  readonly poolNow: () => number;
  private readonly central: CentralLink;
  private readonly workloads: AppWorkload[];
  private discovered: LunRecord[] = [];
  private snapshotNames: string[] = [];
  private running = false;
  private scheduleLoad: Promise<void> = Promise.resolve();

  constructor(private readonly o: ManagedHostOptions) {
    const { spec, clock } = o;
    this.guestId = spec.id;
    this.guestName = spec.name;
    this.os = spec.os;
    this.hba = o.scsi;
    this.centralNodeId = o.centralNodeId;
    this.poolNow = () => clock.now();
    this.log = new GuestLog(clock);
    this.central = new CentralLink(o.fabric, o.credentials, o.centralNodeId);
    const dom0 = new Dom0Link(o.fabric, o.credentials, o.hostNodeId);
    this.reporter = new Reporter({
      guestId: spec.id,
      clock,
      send: (r) => this.central.report(r),
      inventory: () => ({ luns: this.discovered, apps: this.workloads.map((a) => a.record()) }),
      log: this.log,
      retryMs: o.reportRetryMs,
    });
    const event = (kind: string, subject: string | null, message: string, data?: Record<string, unknown>) =>
      this.reporter.push(kind, subject, message, data ?? null);
    this.workloads = spec.apps.map(
      (a) =>
        new AppWorkload(a, {
          clock,
          hba: o.scsi,
          luns: () => this.discovered,
          log: this.log,
          onStateChange: (app, from, to) =>
            event('app.state', app.id, `${app.kindLabel} ${app.id}: ${from} -> ${to}`, { from, to }),
        }),
    );
    this.provider = new HardwareProvider(dom0, clock, this.log, this.vssFaults);
    const requestor = new VssRequestor({
      guestId: spec.id,
      clock,
      apps: () => this.workloads,
      provider: this.provider,
      central: this.central,
      faults: this.vssFaults,
      log: this.log,
      event,
    });
    this.snapshots = new SnapshotService({
      guestId: spec.id,
      os: spec.os,
      clock,
      central: this.central,
      dom0,
      provider: this.provider,
      requestor,
      apps: () => this.workloads,
      currentLuns: () => this.discovered,
      log: this.log,
      event,
    });
    this.scheduler = new SnapshotScheduler({
      guestId: spec.id,
      os: spec.os,
      clock,
      central: this.central,
      snapshots: this.snapshots,
      resolveTarget: (w) => this.resolveTarget(w),
      log: this.log,
      event,
    });
  }

  /** Registers the routes, discovers LUNs by SCSI, starts the apps, reports, loads schedules (in the background). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.reporter.resume();
    this.scheduler.resume();
    this.provider.resume();
    registerGuestRoutes(this.o.xprtld, this);
    this.log.write('agentlet', `managed host ${this.guestName} starting (${this.os})`);
    const d = await discoverLuns(this.hba);
    this.discovered = d.luns;
    for (const e of d.errors) this.log.write('agentlet', e);
    for (const w of this.workloads) {
      // A guest that comes back up has no frozen writer: VSS state does not survive a restart.
      if (w.state === 'frozen') w.thaw();
      w.start();
    }
    this.reporter.push(
      'guest.discovery',
      this.guestId,
      `${this.guestName}: ${d.luns.length} LUN(s) (${d.luns.map((l) => lunName(l.lun)).join(', ') || 'none'}), ${this.workloads.length} app(s)`,
      { errors: d.errors },
    );
    this.scheduleLoad = this.scheduler.load();
  }

  /** Host crash or lab close: timers and workloads stop; queued reports are dropped. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const w of this.workloads) w.stop();
    this.scheduler.stop();
    this.reporter.stop();
    this.provider.stop();
    unregisterGuestRoutes(this.o.xprtld, this);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Resolves once the first schedule load and the queued reports are done (or waiting for a retry). */
  async settled(): Promise<void> {
    await this.scheduleLoad;
    await this.reporter.flush();
  }

  prompt(): string {
    return promptFor(this.os, this.guestName);
  }

  runDcli(line: string): Promise<Outcome> {
    if (!this.running) return Promise.resolve({ exitCode: 1, output: `${this.guestName} is not running` });
    return runLine(this, line);
  }

  complete(line: string): Completion {
    return completeLine(this, line);
  }

  runScript(name: string, args: Record<string, string>): Promise<Outcome> {
    return runManagementScript(this, this.log, name, args);
  }

  /** The agentlet's discovery answer (`GET /xdc/v1/agentlet/discover`): fresh SCSI scan plus apps. */
  async discover(): Promise<{
    guestId: string;
    luns: LunRecord[];
    apps: ReturnType<AppWorkload['record']>[];
    errors: string[];
  }> {
    const r = await this.rescan();
    return {
      guestId: this.guestId,
      luns: r.luns,
      apps: this.workloads.map((a) => a.record()),
      errors: r.errors,
    };
  }

  // ------------------------------------------------------------------ DcliHost

  luns(): LunRecord[] {
    return this.discovered;
  }

  apps(): readonly AppWorkload[] {
    return this.workloads;
  }

  async rescan(): Promise<RescanOutcome> {
    const d = await discoverLuns(this.hba);
    const diff = diffLuns(this.discovered, d.luns);
    this.discovered = d.luns;
    for (const l of diff.added)
      this.reporter.push('lun.added', lunName(l.lun), `${lunName(l.lun)} appeared (${l.serial})`, {
        lun: l.lun,
        naa: l.naa,
      });
    for (const l of diff.removed)
      this.reporter.push('lun.removed', lunName(l.lun), `${lunName(l.lun)} is gone (${l.serial})`, {
        lun: l.lun,
        naa: l.naa,
      });
    for (const x of diff.resized) {
      this.reporter.push(
        'lun.resized',
        lunName(x.lun.lun),
        `${lunName(x.lun.lun)} resized from ${x.fromBytes} to ${x.lun.sizeBytes} bytes`,
        {
          lun: x.lun.lun,
          fromBytes: x.fromBytes,
          toBytes: x.lun.sizeBytes,
        },
      );
    }
    for (const e of d.errors) this.log.write('agentlet', e);
    return { luns: d.luns, errors: d.errors, ...diff };
  }

  resolveLun(word: string): LunRecord {
    const w = word.trim().toLowerCase();
    const m = /^(?:lun)?(\d{1,5})$/.exec(w) ?? /^0:0:0:(\d{1,5})$/.exec(w);
    const hit = m
      ? this.discovered.find((l) => l.lun === Number(m[1]))
      : this.discovered.find(
          (l) => l.serial.toLowerCase() === w || (l.naa !== null && (l.naa === w || `naa.${l.naa}` === w)),
        );
    if (!hit) {
      const have = this.discovered.map((l) => lunName(l.lun)).join(', ') || 'none';
      throw new XdcError('ERR_NOT_FOUND', `no LUN '${word}' in this guest (LUNs: ${have})`);
    }
    return hit;
  }

  resolveApp(word: string): AppWorkload {
    const w = word.trim().toLowerCase();
    const hit =
      this.workloads.find((a) => a.id.toLowerCase() === w) ??
      this.workloads.find((a) => a.name.toLowerCase() === w);
    if (!hit) {
      const have = this.workloads.map((a) => a.id).join(', ') || 'none';
      throw new XdcError('ERR_NOT_FOUND', `no application '${word}' in this guest (applications: ${have})`);
    }
    return hit;
  }

  resolveTarget(word: string): SnapshotTarget {
    const w = word.trim().toLowerCase();
    const app = this.workloads.find((a) => a.id.toLowerCase() === w || a.name.toLowerCase() === w);
    if (app) {
      const luns = app.luns.map((n) => {
        const l = this.discovered.find((x) => x.lun === n);
        if (!l)
          throw new XdcError(
            'ERR_NOT_FOUND',
            `${app.id} lives on ${lunName(n)}, which this guest does not see now (try dcli lun rescan)`,
          );
        return l;
      });
      return { kind: 'app', name: app.id, luns };
    }
    try {
      const l = this.resolveLun(word);
      return { kind: 'lun', name: lunName(l.lun), luns: [l] };
    } catch {
      const luns = this.discovered.map((l) => lunName(l.lun));
      const apps = this.workloads.map((a) => a.id);
      throw new XdcError(
        'ERR_NOT_FOUND',
        `'${word}' is neither a LUN nor an application of this guest (LUNs: ${luns.join(', ') || 'none'}; apps: ${apps.join(', ') || 'none'})`,
      );
    }
  }

  lookupLun(naa: string): Promise<LunBacking | null> {
    return this.central.lookupLun(naa);
  }

  knownSnapshotNames(): string[] {
    return this.snapshotNames;
  }

  rememberSnapshotNames(names: string[]): void {
    this.snapshotNames = [...new Set(names)];
  }
}
