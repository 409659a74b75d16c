/**
 * A throwaway lab folder with shared disks and a volume server role, for storage scenarios.
 * Everything lives under os.tmpdir() and is removed by `dispose()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessVolumeServerLink, VolumeClient } from '../../../src-main/pool/dom0/volume-client';
import { VolumeServerRole } from '../../../src-main/pool/dom0/volume-server-role';
import { SharedDisks } from '../../../src-main/pool/storage/shared-disks';

export const MiB = 1024 * 1024;

export class LabFixture {
  readonly dir: string;
  disks: SharedDisks;
  role: VolumeServerRole;
  private time = 1_000;

  constructor(diskSizes: Record<string, number> = {}, dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'xdc-storage-'));
    this.disks = SharedDisks.open(this.dir);
    for (const [id, size] of Object.entries(diskSizes)) this.disks.create(id, size);
    this.role = this.openRole('h1');
  }

  get server() {
    return this.role.server;
  }

  openRole(hostId: string): VolumeServerRole {
    return new VolumeServerRole({ labDir: this.dir, disks: this.disks, hostId, now: () => this.time++ });
  }

  client(hostId: string): VolumeClient {
    return new VolumeClient(hostId, new InProcessVolumeServerLink(this.role), this.role.dataPath);
  }

  /** Clean close of everything and a fresh open of the same folder (an app restart). */
  reopen(hostId = 'h1'): void {
    this.role.close();
    this.disks.close();
    this.disks = SharedDisks.open(this.dir);
    this.role = this.openRole(hostId);
  }

  /** The process died: nothing is checkpointed, files are reopened from what is on disk. */
  crashAndReopen(hostId = 'h1'): void {
    this.role.hostDown(this.role.hostId);
    this.disks.close();
    this.disks = SharedDisks.open(this.dir);
    this.role = this.openRole(hostId);
  }

  dispose(): void {
    try {
      this.role.close();
    } catch {
      // already closed or crashed
    }
    this.disks.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A buffer of `n` bytes of a recognisable pattern. */
export function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff;
  return b;
}

/** Pool setup most scenarios start from: disk group dg1 attached on every host given. */
export async function diskGroup(
  lab: LabFixture,
  diskIds: string[],
  hosts: string[] = ['h1', 'h2'],
): Promise<void> {
  await lab.server.srCreate('dg1', { name: 'xdcdg', diskIds });
  for (const h of hosts) await lab.server.srAttach('dg1', h);
}
