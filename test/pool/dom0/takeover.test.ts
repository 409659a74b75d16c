import { afterEach, describe, expect, it } from 'vitest';
import type { XdcError } from '../../../src-main/pool/errors';
import { diskGroup, LabFixture, MiB, pattern } from '../storage/lab-fixture';

async function failure(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return `${(e as XdcError).code}: ${(e as XdcError).message}`;
  }
  return 'no error';
}

describe('volume server takeover when its host goes down', () => {
  let lab: LabFixture;
  afterEach(() => lab.dispose());

  it('the new server on h2 has every volume, snapshot, clone and tag; the old one refuses', async () => {
    lab = new LabFixture({ d1: 8 * MiB, d2: 8 * MiB });
    await diskGroup(lab, ['d1', 'd2'], ['h1', 'h2', 'h3']);
    await lab.server.vdiCreate('dg1', 'v1', 2 * MiB);
    await lab.server.vdiCreate('dg1', 'v2', 3 * MiB);
    const h2 = lab.client('h2');
    const h3 = lab.client('h3');
    await h2.acquire('v1');
    await h3.acquire('v2');
    await h2.write('v1', 0, pattern(2 * MiB, 1));
    await lab.server.vdiSnapshot('v1', { snapId: 's1' });
    await h2.write('v1', 0, pattern(MiB, 2)); // COW into s1, journaled only
    await lab.server.vdiClone('s1', { cloneId: 'k1' });
    const volumes = lab.server.listVolumes();
    const snapshots = lab.server.listSnapshots();
    const groups = lab.server.listDiskGroups();
    const old = lab.server;
    expect(lab.role.hostId).toBe('h1');

    lab.role.hostDown('h1');
    expect(lab.role.vacant).toBe(true);
    expect(await failure(() => lab.role.server)).toMatch(
      /^ERR_HOST_DOWN: the volume server is unavailable: host h1 \(volume server\) is down/,
    );
    // clients keep doing I/O that needs no new metadata...
    await h3.write('v2', 0, pattern(4096, 3));
    await h2.write('v1', 0, pattern(4096, 4)); // chunk 0 already preserved in s1
    // ...but a write that needs a COW mapping waits for a volume server
    expect(await failure(h2.write('v1', MiB + 5, Buffer.alloc(10)))).toMatch(
      /^ERR_HOST_DOWN: the volume server on host h1 cannot record a copy-on-write mapping: host h1 is down/,
    );
    expect(await failure(h3.acquire('v1'))).toMatch(/^ERR_HOST_DOWN/);

    const srv = lab.role.takeover('h2');
    expect(srv.hostId).toBe('h2');
    expect(lab.role.hostId).toBe('h2');
    expect(srv.listVolumes()).toEqual(volumes);
    expect(srv.listSnapshots()).toEqual(snapshots);
    expect(srv.listDiskGroups()).toEqual(groups);
    expect(srv.getVolume('v1').ownerTag).toBe('host_h2=RW');
    expect(srv.getVolume('v2').ownerTag).toBe('host_h3=RW');
    expect(await failure(old.vdiCreate('dg1', 'v9', MiB))).toMatch(
      /^ERR_HOST_DOWN: the volume server on host h1/,
    );
    expect(await failure(() => old.listVolumes())).toMatch(/^ERR_HOST_DOWN/);

    // the same clients carry on against the new server
    await h2.write('v1', MiB + 5, Buffer.from('after takeover'));
    const expected = pattern(2 * MiB, 1);
    pattern(MiB, 2).copy(expected, 0);
    pattern(4096, 4).copy(expected, 0);
    Buffer.from('after takeover').copy(expected, MiB + 5);
    expect((await h2.read('v1', 0, 2 * MiB)).equals(expected)).toBe(true);
    expect((await h3.readSnapshot('s1', 0, 2 * MiB)).equals(pattern(2 * MiB, 1))).toBe(true);
    expect((await h3.read('v2', 0, 4096)).equals(pattern(4096, 3))).toBe(true);
    expect(await failure(h3.acquire('v1'))).toMatch(/owned by host h2/);
    await srv.vdiSnapshot('v2', { snapId: 's2' });
    expect(srv.listSnapshots().map((s) => s.id)).toEqual(['s1', 's2']);
    expect((await srv.srScan('dg1')).problems).toEqual([]);
  });

  it('a planned move of the role fences the running server first', async () => {
    lab = new LabFixture({ d1: 4 * MiB });
    await diskGroup(lab, ['d1']);
    await lab.server.vdiCreate('dg1', 'v1', MiB);
    const first = lab.server;
    const second = lab.role.takeover('h3');
    expect(first.isUp).toBe(false);
    expect(second.getVolume('v1').sizeBytes).toBe(MiB);
    expect(await failure(first.vdiDelete('v1'))).toMatch(/^ERR_HOST_DOWN: .*role moved to host h3/);
  });
});
