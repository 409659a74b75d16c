/**
 * Property: any sequence of SM operations, writes, reads, ownership changes and restarts keeps
 * every volume, clone and snapshot equal to a plain in-memory model (one byte array each, a
 * snapshot being a frozen copy), never gives a volume two owners, and never leaks space.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VolumeClient } from '../../../src-main/pool/dom0/volume-client';
import type { XdcError } from '../../../src-main/pool/errors';
import { diskGroup, LabFixture, MiB } from './lab-fixture';

const HOSTS = ['h1', 'h2', 'h3'];

interface ModelVol {
  bytes: Buffer;
  snaps: string[];
  owner: string | null;
  deleted: boolean;
  base: string | null;
}
interface ModelSnap {
  bytes: Buffer;
  parent: string;
  internal: boolean;
}

class Model {
  vols = new Map<string, ModelVol>();
  snaps = new Map<string, ModelSnap>();
  live(): string[] {
    return [...this.vols].filter(([, v]) => !v.deleted).map(([id]) => id);
  }
  clonesOf(snap: string): string[] {
    return [...this.vols].filter(([, v]) => v.base === snap).map(([id]) => id);
  }
  deleteSnap(id: string): void {
    const s = this.snaps.get(id)!;
    this.snaps.delete(id);
    const p = this.vols.get(s.parent)!;
    p.snaps = p.snaps.filter((x) => x !== id);
    if (p.deleted && p.snaps.length === 0) this.freeVol(s.parent);
  }
  deleteVol(id: string): void {
    const v = this.vols.get(id)!;
    if (v.snaps.length) v.deleted = true;
    else this.freeVol(id);
  }
  private freeVol(id: string): void {
    const v = this.vols.get(id)!;
    this.vols.delete(id);
    if (v.base && this.snaps.get(v.base)?.internal && this.clonesOf(v.base).length === 0)
      this.deleteSnap(v.base);
  }
}

const Op = fc.oneof(
  {
    arbitrary: fc.record({ k: fc.constant('create' as const), mib: fc.integer({ min: 1, max: 4 }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      k: fc.constant('write' as const),
      v: fc.nat(),
      h: fc.nat(),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      len: fc.integer({ min: 1, max: 200_000 }),
      seed: fc.nat(255),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      k: fc.constant('write' as const),
      v: fc.nat(),
      h: fc.nat(),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      len: fc.integer({ min: 1, max: 600 }),
      seed: fc.nat(255),
    }),
    weight: 4,
  },
  fc.record({
    k: fc.constant('read' as const),
    v: fc.nat(),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    len: fc.integer({ min: 1, max: 300_000 }),
  }),
  { arbitrary: fc.record({ k: fc.constant('snapshot' as const), v: fc.nat() }), weight: 3 },
  fc.record({ k: fc.constant('clone' as const), v: fc.nat(), ofSnap: fc.boolean() }),
  { arbitrary: fc.record({ k: fc.constant('deleteSnap' as const), v: fc.nat() }), weight: 3 },
  fc.record({ k: fc.constant('deleteVol' as const), v: fc.nat() }),
  fc.record({ k: fc.constant('resize' as const), v: fc.nat(), mib: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ k: fc.constant('acquire' as const), v: fc.nat(), h: fc.nat() }),
  fc.record({ k: fc.constant('release' as const), v: fc.nat(), h: fc.nat() }),
  fc.record({ k: fc.constant('restart' as const), crash: fc.boolean() }),
);
type Op = typeof Op extends fc.Arbitrary<infer T> ? T : never;

function pick<T>(xs: T[], n: number): T | undefined {
  return xs.length ? xs[n % xs.length] : undefined;
}

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return (e as XdcError).code ?? String(e);
  }
}

const stats = { writes: 0, snapDeletes: 0, restarts: 0 };

async function run(ops: Op[]): Promise<void> {
  const lab = new LabFixture({ d1: 16 * MiB, d2: 16 * MiB, d3: 16 * MiB });
  try {
    await diskGroup(lab, ['d1', 'd2', 'd3'], HOSTS);
    const total = lab.server.getDiskGroup('dg1').sizeBytes;
    const m = new Model();
    let clients = new Map<string, VolumeClient>(HOSTS.map((h) => [h, lab.client(h)]));
    let n = 0;

    const checkAll = () => {
      for (const id of m.live())
        expect(lab.server.io.peek(id, 0, m.vols.get(id)!.bytes.length).equals(m.vols.get(id)!.bytes)).toBe(
          true,
        );
      for (const [id, s] of m.snaps)
        expect(lab.server.io.peek(id, 0, s.bytes.length).equals(s.bytes)).toBe(true);
      expect(
        lab.server
          .listVolumes()
          .map((v) => v.id)
          .sort(),
      ).toEqual(m.live().sort());
      expect(
        lab.server
          .listSnapshots()
          .map((s) => s.id)
          .sort(),
      ).toEqual([...m.snaps.keys()].sort());
    };

    for (const op of ops) {
      switch (op.k) {
        case 'create': {
          if (m.live().length >= 6) break;
          const id = `v${n++}`;
          const err = await codeOf(lab.server.vdiCreate('dg1', id, op.mib * MiB));
          if (err) expect(err).toBe('ERR_NO_SPACE');
          else
            m.vols.set(id, {
              bytes: Buffer.alloc(op.mib * MiB),
              snaps: [],
              owner: null,
              deleted: false,
              base: null,
            });
          break;
        }
        case 'write': {
          const id = pick(m.live(), op.v);
          if (!id) break;
          const v = m.vols.get(id)!;
          if (!v.owner) {
            v.owner = HOSTS[op.h % HOSTS.length]!;
            await clients.get(v.owner)!.acquire(id);
          }
          // mostly the owner writes; one write in four comes from a host that must be refused
          const host = op.h % 4 === 0 ? HOSTS[(HOSTS.indexOf(v.owner) + 1) % HOSTS.length]! : v.owner;
          const at = Math.floor(op.at * (v.bytes.length - 1));
          const data = Buffer.alloc(Math.min(op.len, v.bytes.length - at), op.seed);
          data[0] = n++ & 0xff;
          const err = await codeOf(clients.get(host)!.write(id, at, data));
          if (v.owner !== host) expect(err).toBe('ERR_NOT_OWNER');
          else if (err) expect(err).toBe('ERR_NO_SPACE');
          else {
            data.copy(v.bytes, at);
            stats.writes++;
          }
          break;
        }
        case 'read': {
          const ids = [...m.live(), ...m.snaps.keys()];
          const id = pick(ids, op.v);
          if (!id) break;
          const bytes = (m.vols.get(id) ?? m.snaps.get(id))!.bytes;
          const at = Math.floor(op.at * (bytes.length - 1));
          const len = Math.min(op.len, bytes.length - at);
          const vol = m.vols.get(id);
          const got = vol
            ? vol.owner
              ? await clients.get(vol.owner)!.read(id, at, len)
              : null
            : await clients.get('h3')!.readSnapshot(id, at, len);
          if (got) expect(got.equals(bytes.subarray(at, at + len))).toBe(true);
          break;
        }
        case 'snapshot': {
          const id = pick(m.live(), op.v);
          if (!id) break;
          const s = await lab.server.vdiSnapshot(id);
          m.snaps.set(s.id, { bytes: Buffer.from(m.vols.get(id)!.bytes), parent: id, internal: false });
          m.vols.get(id)!.snaps.push(s.id);
          break;
        }
        case 'clone': {
          const src = op.ofSnap ? pick([...m.snaps.keys()], op.v) : pick(m.live(), op.v);
          if (!src || m.live().length >= 6) break;
          const cloneId = `k${n++}`;
          const k = await lab.server.vdiClone(src, { cloneId });
          let base = src;
          if (!op.ofSnap) {
            base = k.baseSnapshotId!;
            m.snaps.set(base, { bytes: Buffer.from(m.vols.get(src)!.bytes), parent: src, internal: true });
            m.vols.get(src)!.snaps.push(base);
          }
          m.vols.set(cloneId, {
            bytes: Buffer.from(m.snaps.get(base)!.bytes),
            snaps: [],
            owner: null,
            deleted: false,
            base,
          });
          break;
        }
        case 'deleteSnap': {
          const id = pick([...m.snaps.keys()], op.v);
          if (!id) break;
          const err = await codeOf(lab.server.vdiDelete(id));
          if (m.clonesOf(id).length) expect(err).toBe('ERR_CONFLICT');
          else {
            expect(err).toBeNull();
            stats.snapDeletes++;
            m.deleteSnap(id);
          }
          break;
        }
        case 'deleteVol': {
          const id = pick(m.live(), op.v);
          if (!id) break;
          const v = m.vols.get(id)!;
          if (v.owner) {
            expect(await codeOf(lab.server.vdiDelete(id))).toBe('ERR_CONFLICT');
            break;
          }
          for (const c of clients.values()) await c.detach(id);
          expect(await codeOf(lab.server.vdiDelete(id))).toBeNull();
          m.deleteVol(id);
          break;
        }
        case 'resize': {
          const id = pick(m.live(), op.v);
          if (!id) break;
          const v = m.vols.get(id)!;
          const err = await codeOf(lab.server.vdiResize(id, v.bytes.length + op.mib * MiB));
          if (err) expect(err).toBe('ERR_NO_SPACE');
          else v.bytes = Buffer.concat([v.bytes, Buffer.alloc(op.mib * MiB)]);
          break;
        }
        case 'acquire': {
          const id = pick(m.live(), op.v);
          if (!id) break;
          const v = m.vols.get(id)!;
          const host = HOSTS[op.h % HOSTS.length]!;
          const err = await codeOf(clients.get(host)!.acquire(id));
          if (v.owner && v.owner !== host) expect(err).toBe('ERR_CONFLICT');
          else {
            expect(err).toBeNull();
            v.owner = host;
          }
          break;
        }
        case 'release': {
          const id = pick(m.live(), op.v);
          if (!id) break;
          const v = m.vols.get(id)!;
          const host = HOSTS[op.h % HOSTS.length]!;
          expect(await codeOf(clients.get(host)!.release(id))).toBeNull();
          if (v.owner === host) v.owner = null;
          break;
        }
        case 'restart': {
          stats.restarts++;
          if (op.crash) lab.crashAndReopen(pick(HOSTS, n++)!);
          else lab.reopen(pick(HOSTS, n++)!);
          clients = new Map(HOSTS.map((h) => [h, lab.client(h)]));
          // a restarted Dom0 takes back what the persisted tags say it owns
          for (const id of m.live()) {
            const owner = m.vols.get(id)!.owner;
            expect(lab.server.getVolume(id).ownerHostId).toBe(owner);
            if (owner) await clients.get(owner)!.acquire(id);
          }
          checkAll();
          break;
        }
      }
      for (const id of m.live()) {
        const owners = HOSTS.filter((h) => clients.get(h)!.owns(id));
        expect(owners).toEqual(m.vols.get(id)!.owner ? [m.vols.get(id)!.owner] : []);
      }
    }
    checkAll();
    expect((await lab.server.srScan('dg1')).problems).toEqual([]);
    // tear everything down: all space comes back, nothing leaked
    for (const c of clients.values()) for (const id of m.live()) await c.release(id);
    for (let guard = 0; m.vols.size + m.snaps.size > 0 && guard < 100; guard++) {
      for (const id of m.live()) {
        for (const c of clients.values()) await c.detach(id);
        await lab.server.vdiDelete(id);
        m.deleteVol(id);
      }
      for (const id of [...m.snaps.keys()])
        if (m.snaps.has(id) && m.clonesOf(id).length === 0) {
          await lab.server.vdiDelete(id);
          m.deleteSnap(id);
        }
    }
    expect(lab.server.listSnapshots()).toEqual([]);
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(total);
  } finally {
    lab.dispose();
  }
}

describe('storage against a reference model', () => {
  it('random SM operations, I/O, ownership changes and restarts keep content, single owner and space right', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Op, { minLength: 20, maxLength: 50, size: 'max' }), (ops) => run(ops)),
      { numRuns: 40 },
    );
    // the runs did exercise the interesting paths
    expect(stats.writes).toBeGreaterThan(150);
    expect(stats.snapDeletes).toBeGreaterThan(20);
    expect(stats.restarts).toBeGreaterThan(5);
  });
});
