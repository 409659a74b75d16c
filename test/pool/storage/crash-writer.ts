/**
 * Child process for the SIGKILL scenario: opens the lab, writes 4 KiB blocks (block i holds
 * the byte i & 0xff and its number), prints `ack i` after each write returned, takes a
 * snapshot every 40 blocks (printing `snap <id> <blocks written>`), then waits to be killed.
 * It never closes the lab: whatever survives is what the journal and the disks hold.
 */
import { InProcessVolumeServerLink, VolumeClient } from '../../../src-main/pool/dom0/volume-client';
import { VolumeServerRole } from '../../../src-main/pool/dom0/volume-server-role';
import { SharedDisks } from '../../../src-main/pool/storage/shared-disks';

const labDir = process.argv[2]!;
const blocks = Number(process.argv[3] ?? 300);
const disks = SharedDisks.open(labDir);
const role = new VolumeServerRole({ labDir, disks, hostId: 'h1' });
const client = new VolumeClient('h1', new InProcessVolumeServerLink(role), role.dataPath);
await client.acquire('v1');
for (let i = 0; i < blocks; i++) {
  await client.write('v1', i * 4096, crashBlock(i));
  process.stdout.write(`ack ${i}\n`);
  if (i % 40 === 39) {
    const s = await role.server.vdiSnapshot('v1', { snapId: `s${i + 1}` });
    process.stdout.write(`snap ${s.id} ${i + 1}\n`);
  }
}
process.stdout.write('done\n');
setInterval(() => undefined, 1000);

export function crashBlock(i: number): Buffer {
  const b = Buffer.alloc(4096, i & 0xff);
  b.writeUInt32LE(i, 0);
  return b;
}
