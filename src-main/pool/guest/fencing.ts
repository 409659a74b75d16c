/**
 * Veritas I/O fencing (vxfen) in a guest: it registers this node's key on every coordinator
 * disk with PERSISTENT RESERVE OUT / REGISTER. XDC virtual LUNs do not support SCSI
 * reservations, so each registration ends in CHECK CONDITION, ILLEGAL REQUEST, INVALID COMMAND
 * OPERATION CODE (20h/00h), and fencing fails — with the command and the sense named, as the
 * real driver would report it.
 */
import { createHash } from 'node:crypto';
import { describeCdb, describeSense } from '../scsi';
import { lunName } from './agentlets';
import { Cdb, GOOD, type GuestHba, prRegisterParameters } from './scsi-commands';
import type { LunRecord } from './wire';

export interface Registration {
  lun: LunRecord;
  ok: boolean;
  command: string;
  status: number;
  sense: string | null;
}

/** vxfen's key: 'VF' + cluster id + node id; here derived from the guest name (8 bytes). */
export function fencingKey(nodeName: string): Buffer {
  const k = Buffer.alloc(8);
  k.write('VF', 0, 'latin1');
  createHash('sha256').update(nodeName).digest().copy(k, 2, 0, 6);
  return k;
}

export async function registerOnCoordinators(
  hba: GuestHba,
  luns: LunRecord[],
  nodeName: string,
): Promise<Registration[]> {
  const params = prRegisterParameters(fencingKey(nodeName));
  const out: Registration[] = [];
  for (const l of luns) {
    const cdb = Cdb.persistentReserveOutRegister();
    const a = await hba.execute(l.lun, cdb, params);
    out.push({
      lun: l,
      ok: a.status === GOOD,
      command: describeCdb(cdb),
      status: a.status,
      sense: a.sense ? describeSense(a.sense) : null,
    });
  }
  return out;
}

/** The vxfenconfig -c transcript and exit code (0 only if every coordinator disk took the key). */
export async function configureFencing(
  hba: GuestHba,
  luns: LunRecord[],
  nodeName: string,
): Promise<{ exitCode: number; output: string }> {
  const lines = ['VXFEN vxfenconfig NOTICE Driver will use SCSI-3 compliant disks.'];
  if (luns.length === 0) {
    lines.push('VXFEN vxfenconfig ERROR V-11-2-1003 No coordinator disks found (this guest sees no LUNs).');
    return { exitCode: 1, output: lines.join('\n') };
  }
  lines.push(
    `VXFEN vxfenconfig NOTICE Coordinator disks: ${luns.map((l) => `${lunName(l.lun)} (serial ${l.serial})`).join(', ')}`,
  );
  if (luns.length < 3 || luns.length % 2 === 0) {
    lines.push(
      `VXFEN vxfenconfig WARNING ${luns.length} coordinator disk(s): vxfen expects an odd number, at least three.`,
    );
  }
  const regs = await registerOnCoordinators(hba, luns, nodeName);
  const failed = regs.filter((r) => !r.ok);
  for (const r of failed) {
    lines.push(
      `VXFEN vxfenconfig ERROR V-11-2-1036 Unable to register with coordinator disk with serial number: ${r.lun.serial}`,
    );
    lines.push(
      `    ${r.command} (5Fh) on ${lunName(r.lun.lun)}: ${r.status === 0x02 ? 'CHECK CONDITION' : `status ${r.status.toString(16)}h`}`,
    );
    lines.push(`    sense: ${r.sense ?? 'none'}`);
  }
  if (failed.length === 0) {
    lines.push('VXFEN vxfenconfig NOTICE Registered on every coordinator disk; fencing configured.');
    return { exitCode: 0, output: lines.join('\n') };
  }
  lines.push(
    'VXFEN vxfenconfig ERROR V-11-2-1007 I/O fencing requires SCSI-3 persistent reservations (PERSISTENT RESERVE IN/OUT) on every coordinator disk.',
    '    XDC virtual LUNs do not support SCSI reservations (RESERVE/RELEASE and PERSISTENT RESERVE are refused with',
    '    ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE), so fencing cannot be started inside a guest.',
  );
  return { exitCode: 1, output: lines.join('\n') };
}
