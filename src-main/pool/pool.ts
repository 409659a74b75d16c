/**
 * The pool, assembled: a lab folder opened into a running XDC server pool — shared disks, the
 * volume server role, the central server, one Dom0 per host (xprtld, volume client, SM routes,
 * VSS endpoint), one VM per guest (block rings, SCSI HBA, managed host), the fabric between
 * them, live migration, faults, and the views and checks the one API serves.
 *
 * The pool is the lab's instrument: it may read any part's state to draw the topology and check
 * the invariants, but the parts themselves talk only through xprtld and SCSI.
 */
import { mkdirSync } from 'node:fs';
import type { FaultKind, InvariantReport, MigrationJob, PoolEvent, PoolView } from '../api/contract';
import type { PoolPort } from '../api/service';
import type { ApiService, Caller } from '../api/service-types';
import type { AuthOptions } from './central/auth';
import { CentralServer } from './central/central-server';
import { NodeSession } from './central/node-session';
import { demoLabSpec } from './demo';
import { Dom0 } from './dom0/dom0';
import { VolumeServerRole } from './dom0/volume-server-role';
import { XdcError } from './errors';
import { GuestVm } from './guest-vm';
import { checkInvariants } from './invariants';
import { checkStorageMatchesLab, type LabSpec, labExists, readLabSpec, writeLabSpec } from './lab';
import type { MigrationPort } from './migrate/port';
import { createMigrationPort } from './migrate/port';
import { type PoolClock, ScaledClock } from './net/clock';
import { Fabric } from './net/fabric';
import { reconcileSnapshotSets } from './reconcile-sets';
import { SharedDisks } from './storage/shared-disks';
import { buildPoolView } from './view';
import { WriteAudit } from './write-audit';

export interface PoolOptions {
  labDir: string;
  /** Default: a ScaledClock at 1x owned (and disposed) by the pool. */
  clock?: PoolClock;
  /** The shape of a NEW lab (the folder has no lab.json yet). Default: the demo pool. */
  spec?: LabSpec;
  /** The one API, mounted on the central server's xprtld. */
  api?: ApiService;
  /** Fixed port of the central server's xprtld (the HTTP API); default ephemeral. */
  port?: number;
  auth?: AuthOptions;
  /** Pool ms between the volume server host's crash and another Dom0 taking the role (default 3000). */
  takeoverDelayMs?: number;
  log?: (line: string) => void;
}

export const CENTRAL_ID = 'central';
/** The central server VM's memory on its host (the view shows it; migration counts it as used room). */
export const CENTRAL_VM_MIB = 2048;

export class Pool implements PoolPort {
  readonly labDir: string;
  readonly spec: LabSpec;
  readonly clock: PoolClock;
  readonly fabric: Fabric;
  readonly disks: SharedDisks;
  readonly role: VolumeServerRole;
  readonly audit: WriteAudit;
  readonly dom0s = new Map<string, Dom0>();
  readonly guests = new Map<string, GuestVm>();
  central!: CentralServer;
  /** A node outside the pool: the lab's console into guests (like a VM console). */
  console!: NodeSession;
  migrations!: MigrationPort;
  private readonly ownsClock: boolean;
  private readonly log: (line: string) => void;
  private readonly takeoverDelayMs: number;
  private takeoverTimer: ReturnType<PoolClock['setTimer']> | null = null;
  private closed = false;

  private constructor(
    o: PoolOptions,
    spec: LabSpec,
    disks: SharedDisks,
    role: VolumeServerRole,
    clock: PoolClock,
  ) {
    this.labDir = o.labDir;
    this.spec = spec;
    this.clock = clock;
    this.ownsClock = !o.clock;
    this.disks = disks;
    this.role = role;
    this.log = o.log ?? (() => undefined);
    this.takeoverDelayMs = o.takeoverDelayMs ?? 3000;
    this.fabric = new Fabric({ clock });
    this.audit = new WriteAudit(() => clock.now());
  }

  /** Opens the lab folder (creating it from `spec` or the demo pool when new) and boots the pool. */
  static async open(o: PoolOptions): Promise<Pool> {
    mkdirSync(o.labDir, { recursive: true });
    const fresh = !labExists(o.labDir);
    const spec = fresh ? (o.spec ?? demoLabSpec()) : readLabSpec(o.labDir);
    const clock = o.clock ?? new ScaledClock(1);
    clock.resumeFrom(spec.clockMs);
    const disks = SharedDisks.open(o.labDir);
    let role: VolumeServerRole;
    try {
      if (fresh) for (const d of spec.disks) if (!disks.has(d.id)) disks.create(d.id, d.sizeBytes);
      role = new VolumeServerRole({
        labDir: o.labDir,
        disks,
        hostId: spec.volumeServerHost,
        now: () => clock.now(),
      });
    } catch (e) {
      disks.close();
      throw e;
    }
    if (!fresh) {
      try {
        checkStorageMatchesLab(o.labDir, spec, (id) => {
          try {
            return !role.dataPath.isSnapshot(id);
          } catch {
            return false;
          }
        });
      } catch (e) {
        // Abandon (not close) the volume server: a refused lab's files stay exactly as they were.
        role.hostDown(role.hostId);
        disks.close();
        throw e;
      }
    }
    const pool = new Pool(o, spec, disks, role, clock);
    try {
      await pool.boot(o, fresh);
    } catch (e) {
      await pool.close({ save: false }).catch(() => undefined);
      throw e;
    }
    return pool;
  }

  private async boot(o: PoolOptions, fresh: boolean): Promise<void> {
    const spec = this.spec;
    if (fresh) await this.provisionStorage();
    for (const d of spec.failedDisks)
      if (this.disks.has(d)) this.disks.fail(d, 'failed before the lab was saved');

    this.central = await CentralServer.open({
      labDir: this.labDir,
      nodeId: CENTRAL_ID,
      clock: this.clock,
      auth: o.auth,
      api: o.api,
      port: o.port,
      resolveVdi: (naa) => this.resolveNaa(naa),
    });
    this.console = new NodeSession(
      this.central.auth,
      'console',
      this.central.auth.registerNode('console', 'central'),
      o.auth?.now,
    );
    if (!fresh) await this.recoverSnapshotSets();

    for (const h of spec.hosts) {
      const dom0 = await Dom0.start({
        hostId: h.id,
        fabric: this.fabric,
        auth: this.central.auth,
        role: this.role,
        dataPath: this.audit.wrap(this.role.dataPath),
        authNow: o.auth?.now,
        guestVolumes: (g) => this.guests.get(g)?.volumes() ?? [],
      });
      this.dom0s.set(h.id, dom0);
    }
    const centralHost = spec.centralHost ?? spec.hosts[spec.hosts.length - 1]!.id;
    this.fabric.register({
      id: CENTRAL_ID,
      kind: 'central',
      hostId: centralHost,
      xprtld: this.central.xprtld,
    });

    // Registering each guest's VRTSat credentials in one transaction: per-guest commits (two
    // fsyncs each) were most of a large pool's boot time.
    const vms = this.central.repos.db.transaction(() =>
      spec.guests.map((g) =>
        GuestVm.prepare({
          spec: g,
          poolId: spec.poolId,
          clock: this.clock,
          fabric: this.fabric,
          auth: this.central.auth,
          authNow: o.auth?.now,
          centralNodeId: CENTRAL_ID,
          host: this.dom0(g.hostId),
        }),
      ),
    );
    for (const vm of vms) {
      await vm.start();
      this.guests.set(vm.id, vm);
    }
    this.migrations = createMigrationPort(this);

    // Faults saved with the lab come back with it.
    for (const h of spec.hosts) if (h.down) this.markHostDown(h.id);
    for (const id of spec.partitioned) if (this.hasNode(id)) this.fabric.partition(id);

    await this.recoverPlacement();
    for (const vm of this.guests.values()) {
      if (!vm.spec.running || this.hostDown(vm.hostId)) continue;
      try {
        await vm.boot();
      } catch (e) {
        vm.state = 'crashed';
        this.event(
          'guest.boot-failed',
          'pool',
          vm.id,
          `guest ${vm.id} could not start on ${vm.hostId}: ${(e as Error).message}`,
        );
      }
    }
    if (fresh) writeLabSpec(this.labDir, spec);
    this.event(
      'lab.opened',
      'pool',
      null,
      `lab ${spec.name} opened from ${this.labDir} (${spec.hosts.length} hosts, ${spec.guests.length} guests)`,
    );
    this.log(
      `lab ${spec.name}: ${spec.hosts.length} hosts, ${spec.guests.length} guests, volume server on ${this.role.hostId}`,
    );
  }

  /** A set cut in half by a crash is rolled back or finished (reconcile-sets.ts says why). */
  private async recoverSnapshotSets(): Promise<void> {
    try {
      await reconcileSnapshotSets(this);
    } catch (e) {
      this.event(
        'snapshot.recovery-failed',
        'pool',
        null,
        `snapshot sets could not be reconciled: ${(e as Error).message}`,
      );
    }
  }

  /** A new lab: the disk group on its shared disks and the guests' volumes (through the SM API). */
  private async provisionStorage(): Promise<void> {
    const vs = this.role.server;
    const dg = this.spec.diskGroup;
    await vs.srCreate(dg.id, { name: dg.name, diskIds: dg.diskIds });
    // Every Dom0 sees the shared storage: the SR is attached on each host (Xen's sr_attach).
    for (const h of this.spec.hosts) await vs.srAttach(dg.id, h.id);
    for (const v of this.spec.volumes) await vs.vdiCreate(dg.id, v.id, v.sizeBytes, { name: v.name });
  }

  /**
   * After a crash mid-migration, lab.json may name the source while the volumes are already
   * owned by the destination (ownership is the authoritative record): the guest comes back where
   * its volumes are. Volumes left owned by another host are released from that dead session.
   */
  private async recoverPlacement(): Promise<void> {
    const vs = this.role.server;
    for (const vm of this.guests.values()) {
      const owners = new Set(
        vm.vbds.map((v) => this.ownerOf(v.vdiId)).filter((h): h is string => h !== null),
      );
      if (owners.size === 1) {
        const [owner] = [...owners];
        if (owner && owner !== vm.hostId && this.dom0s.has(owner) && !this.hostDown(owner)) {
          const from = vm.hostId;
          vm.placeOn(this.dom0(owner));
          for (const v of vm.vbds) v.ring.reconnect(this.dom0(owner).volumeClient);
          this.event(
            'guest.recovered',
            'pool',
            vm.id,
            `guest ${vm.id} placed on ${owner}, where its volumes are owned (lab.json said ${from})`,
          );
        }
      }
      for (const v of vm.vbds) {
        const owner = this.ownerOf(v.vdiId);
        if (owner !== null && owner !== vm.hostId) await vs.vdiForgetOwner(v.vdiId, owner);
      }
    }
  }

  // ------------------------------------------------------------------ lookups

  dom0(hostId: string): Dom0 {
    const d = this.dom0s.get(hostId);
    if (!d) throw new XdcError('ERR_NOT_FOUND', `no host ${hostId} in this pool`);
    return d;
  }

  guest(guestId: string): GuestVm {
    const g = this.guests.get(guestId);
    if (!g) throw new XdcError('ERR_NOT_FOUND', `no guest ${guestId} in this pool`);
    return g;
  }

  hostDown(hostId: string): boolean {
    return this.spec.hosts.find((h) => h.id === hostId)?.down ?? true;
  }

  ownerOf(vdiId: string): string | null {
    return this.role.dataPath.ownerOf(vdiId);
  }

  private hasNode(id: string): boolean {
    return this.dom0s.has(id) || this.guests.has(id) || id === CENTRAL_ID;
  }

  /** NAA (hex) -> VDI of every guest LUN; rebuilt on a miss when LUNs were added since. */
  private naaIndex = new Map<string, string>();
  private naaIndexedVbds = -1;

  /**
   * Every guest's reporter asks this for each of its LUNs: an index, because scanning all
   * guests per question made booting a pool O(guests^2) (2,048 guests: 4 million NAA compares).
   */
  private resolveNaa(naaHex: string): { vdiId: string; diskGroupId: string; diskGroupName: string } | null {
    let vdiId = this.naaIndex.get(naaHex);
    if (vdiId === undefined) {
      let vbds = 0;
      for (const vm of this.guests.values()) vbds += vm.vbds.length;
      if (vbds !== this.naaIndexedVbds) {
        this.naaIndex = new Map();
        for (const vm of this.guests.values())
          for (const v of vm.vbds) this.naaIndex.set(v.identity.naa.toString('hex'), v.vdiId);
        this.naaIndexedVbds = vbds;
        vdiId = this.naaIndex.get(naaHex);
      }
    }
    if (vdiId === undefined) return null;
    const dg = this.spec.diskGroup;
    return { vdiId, diskGroupId: dg.id, diskGroupName: dg.name };
  }

  /** Records an event in the central server's event log. */
  event(
    kind: string,
    source: string,
    subject: string | null,
    message: string,
    data?: Record<string, unknown>,
  ): PoolEvent {
    return this.central.events.append({
      time: this.clock.now(),
      kind,
      source,
      subject,
      message,
      data: data ?? null,
    });
  }

  /** Writes lab.json now (placement, faults, volume server host): called at every such change. */
  persistSpec(): void {
    this.spec.volumeServerHost = this.role.hostId;
    this.spec.clockMs = Math.max(this.spec.clockMs, this.clock.now());
    writeLabSpec(this.labDir, this.spec);
  }

  // ------------------------------------------------------------------ faults

  async fault(kind: FaultKind, target: string, _peer: string | undefined, caller: Caller): Promise<string> {
    const message = await this.applyFault(kind, target);
    this.persistSpec();
    this.event(`fault.${kind}`, caller.principal, target, message);
    return message;
  }

  private async applyFault(kind: FaultKind, target: string): Promise<string> {
    switch (kind) {
      case 'host-crash': {
        this.dom0(target);
        if (this.hostDown(target)) throw new XdcError('ERR_CONFLICT', `host ${target} is already down`);
        const victims = this.markHostDown(target);
        return `host ${target} crashed${victims.length ? `; guests ${victims.join(', ')} went down with it` : ''}`;
      }
      case 'host-restore': {
        const dom0 = this.dom0(target);
        if (!this.hostDown(target)) throw new XdcError('ERR_CONFLICT', `host ${target} is not down`);
        this.hostSpec(target).down = false;
        this.fabric.setDown(target, false);
        dom0.volumeClient.hostUp();
        if (this.role.vacant) this.takeOver(target);
        const restarted = await this.restartCrashedGuests(target);
        return `host ${target} is back${restarted.length ? `; guests ${restarted.join(', ')} restarted on it` : ''}`;
      }
      case 'partition': {
        if (!this.hasNode(target)) throw new XdcError('ERR_NOT_FOUND', `no node ${target} in this pool`);
        if (this.spec.partitioned.includes(target))
          throw new XdcError('ERR_CONFLICT', `${target} is already partitioned`);
        this.fabric.partition(target);
        this.spec.partitioned.push(target);
        return `${target} is cut off from the rest of the pool's network`;
      }
      case 'heal': {
        if (!this.hasNode(target)) throw new XdcError('ERR_NOT_FOUND', `no node ${target} in this pool`);
        if (!this.spec.partitioned.includes(target))
          throw new XdcError('ERR_CONFLICT', `${target} is not partitioned`);
        this.fabric.heal(target);
        this.spec.partitioned = this.spec.partitioned.filter((p) => p !== target);
        // Guests that could not boot while their host was cut off from the volume server try again.
        const restarted = this.dom0s.has(target) ? await this.restartCrashedGuests(target) : [];
        return `${target} is reachable again${restarted.length ? `; guests ${restarted.join(', ')} restarted` : ''}`;
      }
      case 'disk-fail': {
        this.disks.get(target);
        if (this.spec.failedDisks.includes(target))
          throw new XdcError('ERR_CONFLICT', `disk ${target} has already failed`);
        this.disks.fail(target, 'injected disk failure');
        this.spec.failedDisks.push(target);
        return `disk ${target} failed: I/O to its extents now ends in an error`;
      }
      case 'disk-restore': {
        this.disks.get(target);
        if (!this.spec.failedDisks.includes(target))
          throw new XdcError('ERR_CONFLICT', `disk ${target} has not failed`);
        this.disks.restore(target);
        this.spec.failedDisks = this.spec.failedDisks.filter((d) => d !== target);
        return `disk ${target} is back`;
      }
    }
  }

  /** Boots the crashed guests of an up host (after a restore or a heal); returns those that started. */
  private async restartCrashedGuests(hostId: string): Promise<string[]> {
    const restarted: string[] = [];
    if (this.hostDown(hostId)) return restarted;
    for (const vm of this.guests.values()) {
      if (vm.hostId !== hostId || vm.state !== 'crashed') continue;
      try {
        await vm.boot();
        restarted.push(vm.id);
      } catch (e) {
        this.event(
          'guest.boot-failed',
          hostId,
          vm.id,
          `guest ${vm.id} could not restart: ${(e as Error).message}`,
        );
      }
    }
    return restarted;
  }

  private hostSpec(hostId: string): LabSpec['hosts'][number] {
    const h = this.spec.hosts.find((x) => x.id === hostId);
    if (!h) throw new XdcError('ERR_NOT_FOUND', `no host ${hostId} in this pool`);
    return h;
  }

  /** A host goes down: its guests die with it, and if it held the volume server role, the role moves. */
  private markHostDown(hostId: string): string[] {
    this.hostSpec(hostId).down = true;
    this.fabric.setDown(hostId, true);
    this.dom0(hostId).volumeClient.hostDown();
    const victims: string[] = [];
    for (const vm of this.guests.values()) {
      if (vm.hostId !== hostId || vm.state === 'crashed' || vm.state === 'stopped') continue;
      vm.crash();
      victims.push(vm.id);
    }
    this.migrations?.onHostDown(hostId);
    if (this.role.hostId === hostId && !this.role.vacant) {
      this.role.hostDown(hostId);
      this.event(
        'volume-server.lost',
        'pool',
        hostId,
        `the volume server's host ${hostId} is down; metadata changes wait for a takeover`,
      );
      if (this.takeoverTimer) this.clock.clearTimer(this.takeoverTimer);
      this.takeoverTimer = this.clock.setTimer(this.takeoverDelayMs, () => {
        this.takeoverTimer = null;
        const next = this.spec.hosts.find((h) => !h.down);
        if (next && this.role.vacant) this.takeOver(next.id);
      });
    }
    return victims;
  }

  private takeOver(hostId: string): void {
    if (this.closed) return;
    const from = this.role.hostId;
    this.role.takeover(hostId);
    this.persistSpec();
    this.event(
      'volume-server.takeover',
      hostId,
      hostId,
      `host ${hostId} took over the volume server role from ${from}; no metadata lost`,
    );
  }

  // ------------------------------------------------------------------ the one API's operations

  view(): PoolView {
    return buildPoolView(this);
  }

  async dcli(guestId: string, line: string, _caller: Caller): Promise<{ exitCode: number; output: string }> {
    this.guest(guestId);
    return this.fabric.call(this.console, guestId, 'POST', '/xdc/v1/dcli', { line }, { timeoutMs: 120_000 });
  }

  async dcliComplete(guestId: string, line: string): Promise<{ candidates: string[]; replaceFrom: number }> {
    this.guest(guestId);
    return this.fabric.call(
      this.console,
      guestId,
      'POST',
      '/xdc/v1/dcli/complete',
      { line },
      { timeoutMs: 5000 },
    );
  }

  async runScript(guestId: string, script: string, args: Record<string, string>, caller: Caller) {
    this.guest(guestId);
    this.event(
      'script.run',
      caller.principal,
      guestId,
      `${caller.principal} runs management script ${script} in ${guestId} through the central server`,
      { args },
    );
    return this.fabric.call<{ exitCode: number; output: string }>(
      this.central.session,
      guestId,
      'POST',
      `/xdc/v1/scripts/${encodeURIComponent(script)}`,
      args,
      {
        timeoutMs: 30_000,
      },
    );
  }

  checkMigration(guestId: string, to: string) {
    return this.migrations.check(guestId, to);
  }

  migrate(guestId: string, to: string, caller: Caller): MigrationJob {
    return this.migrations.start(guestId, to, caller.principal);
  }

  job(jobId: string): MigrationJob {
    return this.migrations.job(jobId);
  }

  jobs(): MigrationJob[] {
    return this.migrations.jobs();
  }

  events(after: number, limit: number, kind?: string): PoolEvent[] {
    return this.central.events.after(after, limit, kind);
  }

  subscribe(listener: (e: PoolEvent) => void): () => void {
    return this.central.events.subscribe(listener);
  }

  setClockSpeed(speed: number): { now: number; speed: number } {
    this.clock.setSpeed(speed);
    this.event(
      'clock.speed',
      'pool',
      null,
      speed === 0 ? 'pool clock paused' : `pool clock runs at ${speed}x`,
    );
    return { now: this.clock.now(), speed: this.clock.speed };
  }

  invariants(): InvariantReport {
    return checkInvariants(this);
  }

  async login(user: string, password: string) {
    const r = await this.central.auth.login(user, password);
    this.event('auth.login', `user:${user}`, user, `${user} logged in (${r.role})`);
    return r;
  }

  verifyToken(token: string): Caller {
    const c = this.central.auth.authenticate(token);
    return { principal: c.principal, role: c.role };
  }

  async save(): Promise<void> {
    this.persistSpec();
    if (!this.role.vacant) this.role.server.checkpoint();
    this.event('lab.saved', 'pool', null, `lab saved to ${this.labDir}`);
  }

  /** Stops everything; saves unless told not to (a failed open). */
  async close(opts: { save?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.takeoverTimer) this.clock.clearTimer(this.takeoverTimer);
    this.migrations?.close();
    if (opts.save ?? true) {
      try {
        if (this.central) this.persistSpec();
      } catch (e) {
        this.log(`could not save lab.json: ${(e as Error).message}`);
      }
    }
    for (const vm of this.guests.values()) await vm.shutdown().catch(() => undefined);
    for (const d of this.dom0s.values()) await d.stop().catch(() => undefined);
    if (this.central) await this.central.close().catch(() => undefined);
    this.fabric.close();
    try {
      this.role.close();
    } finally {
      this.disks.close();
      if (this.ownsClock && this.clock instanceof ScaledClock) this.clock.dispose();
    }
  }
}
