import { afterEach, describe, expect, it } from 'vitest';
import type { XdcError } from '../../../src-main/pool/errors';
import { diskGroup, LabFixture, MiB, pattern } from '../storage/lab-fixture';

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return `${(e as XdcError).code}: ${(e as XdcError).message}`;
  }
  return 'no error';
}

describe('volume ownership: one volume client at a time', () => {
  let lab: LabFixture;
  afterEach(() => lab.dispose());

  async function pool() {
    lab = new LabFixture({ d1: 8 * MiB, d2: 8 * MiB });
    await diskGroup(lab, ['d1', 'd2'], ['h1', 'h2', 'h3']);
    await lab.server.vdiCreate('dg1', 'v1', 2 * MiB);
    return { h1: lab.client('h1'), h2: lab.client('h2'), h3: lab.client('h3') };
  }

  it('acquire writes host_h1=RW; a second host is refused with the owner named', async () => {
    const { h1, h2 } = await pool();
    await h1.acquire('v1');
    expect(h1.owns('v1')).toBe(true);
    expect(lab.server.getVolume('v1')).toMatchObject({
      ownerHostId: 'h1',
      ownerTag: 'host_h1=RW',
      attachedHosts: ['h1'],
    });
    expect(await failure(h2.acquire('v1'))).toBe(
      'ERR_CONFLICT: volume v1 is owned by host h1 (tag host_h1=RW); host h2 cannot activate it until h1 deactivates it',
    );
    expect(h2.owns('v1')).toBe(false);
    await h1.acquire('v1'); // idempotent for the owner
    expect(lab.server.getVolume('v1').ownerHostId).toBe('h1');
  });

  it('every I/O by a client that does not own the volume is refused, never silently done', async () => {
    const { h1, h2 } = await pool();
    await h1.acquire('v1');
    await h1.write('v1', 0, pattern(4096, 1));
    expect(await failure(h2.read('v1', 0, 4096))).toMatch(/^ERR_NOT_OWNER: host h2 does not own volume v1/);
    expect(await failure(h2.write('v1', 0, Buffer.alloc(4096)))).toMatch(/^ERR_NOT_OWNER/);
    expect(await failure(h2.flush('v1'))).toMatch(/^ERR_NOT_OWNER/);
    expect((await h1.read('v1', 0, 4096)).equals(pattern(4096, 1))).toBe(true);
    // going around the client to the data path is fenced by the persisted tag as well
    expect(() => lab.role.dataPath.write('v1', 'h2', 0, Buffer.alloc(1))).toThrow(/tag is host_h1=RW/);
  });

  it('release hands the volume over: flush, deactivate, then the other host acquires it', async () => {
    const { h1, h2 } = await pool();
    await h1.acquire('v1');
    await h1.write('v1', MiB, pattern(8192, 3));
    await h2.prepare('v1'); // the destination attaches early, as in a migration
    await h1.release('v1');
    expect(h1.owns('v1')).toBe(false);
    expect(await failure(h1.read('v1', 0, 1))).toMatch(/^ERR_NOT_OWNER/);
    await h2.acquire('v1');
    await h1.detach('v1');
    expect(lab.server.getVolume('v1')).toMatchObject({ ownerHostId: 'h2', attachedHosts: ['h2'] });
    expect((await h2.read('v1', MiB, 8192)).equals(pattern(8192, 3))).toBe(true);
    await h1.release('v1'); // nothing to give up: idempotent, and h2 keeps it
    expect(lab.server.getVolume('v1').ownerHostId).toBe('h2');
  });

  it('a stale client that still believes it owns the volume is fenced by the tag', async () => {
    const { h1, h2 } = await pool();
    await h1.acquire('v1');
    // h1 loses the volume behind its back (its host was declared dead and the tag forgotten)
    await lab.server.vdiForgetOwner('v1', 'h1');
    await h2.acquire('v1');
    expect(h1.owns('v1')).toBe(true); // what h1 believes
    expect(await failure(h1.write('v1', 0, Buffer.alloc(512, 7)))).toBe(
      "ERR_NOT_OWNER: host h1 does not own volume v1 (the volume server's tag is host_h2=RW); write refused",
    );
    expect(await failure(h1.release('v1'))).toMatch(
      /^ERR_NOT_OWNER: host h1 cannot deactivate v1: it is owned by host h2/,
    );
    expect((await h2.read('v1', 0, 512)).equals(Buffer.alloc(512))).toBe(true);
  });

  it('hosts racing to acquire: exactly one wins, the others are told who', async () => {
    const { h1, h2, h3 } = await pool();
    const results = await Promise.allSettled([h1.acquire('v1'), h2.acquire('v1'), h3.acquire('v1')]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const owner = lab.server.getVolume('v1').ownerHostId!;
    for (const r of results)
      if (r.status === 'rejected')
        expect(String((r.reason as Error).message)).toContain(`owned by host ${owner}`);
    expect([h1, h2, h3].filter((c) => c.owns('v1')).map((c) => c.hostId)).toEqual([owner]);
  });

  it('only the owner may deactivate; a snapshot is readable by anyone, writable by no one', async () => {
    const { h1, h2 } = await pool();
    await h1.acquire('v1');
    await h1.write('v1', 0, pattern(MiB, 5));
    const snap = await lab.server.vdiSnapshot('v1');
    expect(snap.id).toBe('v1.snap1');
    expect(await failure(lab.server.vdiDeactivate('v1', 'h2'))).toMatch(
      /^ERR_NOT_OWNER: host h2 cannot deactivate v1/,
    );
    expect((await h2.readSnapshot(snap.id, 0, MiB)).equals(pattern(MiB, 5))).toBe(true);
    expect(await failure(h2.readSnapshot('v1', 0, 1))).toMatch(
      /^ERR_BAD_REQUEST: v1 is a volume, not a snapshot/,
    );
    expect(await failure(h2.acquire(snap.id))).toMatch(
      /^ERR_BAD_REQUEST: vdi_attach: v1.snap1 is a snapshot/,
    );
  });

  it('a volume cannot be activated on a host that has not attached it, nor attached where the SR is not', async () => {
    const { h1 } = await pool();
    expect(await failure(lab.server.vdiActivate('v1', 'h1'))).toBe(
      'ERR_CONFLICT: volume v1 is not attached on host h1 (vdi_attach first)',
    );
    expect(await failure(lab.server.vdiAttach('v1', 'h9'))).toBe(
      'ERR_CONFLICT: disk group dg1 is not attached on host h9 (sr_attach first)',
    );
    await h1.acquire('v1');
    expect(await failure(lab.server.vdiDetach('v1', 'h1'))).toMatch(
      /still owns v1 \(host_h1=RW\); deactivate it first/,
    );
    expect(await failure(lab.server.srDetach('dg1', 'h1'))).toMatch(/v1 still attached there/);
  });

  it("a crashed host's client refuses everything with ERR_HOST_DOWN", async () => {
    const { h1 } = await pool();
    await h1.acquire('v1');
    h1.hostDown();
    expect(h1.owns('v1')).toBe(false);
    expect(await failure(h1.read('v1', 0, 1))).toBe(
      'ERR_HOST_DOWN: volume client on h1 cannot read v1: host h1 is down',
    );
    expect(lab.server.getVolume('v1').ownerHostId).toBe('h1'); // the tag stays until recovery forgets it
  });
});
