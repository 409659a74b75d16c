/** `dcli lun list | show | rescan`: the guest's LUNs as its SCSI layer reports them. */
import { asXdcError } from '../../errors';
import { discoverLun, lunName } from '../agentlets';
import type { LunRecord } from '../wire';
import { type Command, type DcliHost, json, ok } from './command';
import { formatBytes, keyValues, table } from './format';

function appsOn(host: DcliHost, lun: number): string[] {
  return host
    .apps()
    .filter((a) => a.luns.includes(lun))
    .map((a) => a.id);
}

const list: Command = {
  words: ['lun', 'list'],
  args: [],
  options: [],
  json: true,
  summary: 'list the LUNs this guest sees (from REPORT LUNS, INQUIRY and READ CAPACITY)',
  async run(host, inv) {
    const luns = host.luns();
    if (inv.json) return json(luns.map((l) => ({ ...l, name: lunName(l.lun), apps: appsOn(host, l.lun) })));
    if (luns.length === 0) return ok('No LUNs. (Run "dcli lun rescan" to look again.)');
    return ok(
      table(
        ['LUN', 'ADDRESS', 'VENDOR', 'PRODUCT', 'REV', 'SERIAL', 'CAPACITY', 'APPS'],
        luns.map((l) => [
          lunName(l.lun),
          l.address,
          l.vendor,
          l.product,
          l.revision,
          l.serial,
          formatBytes(l.sizeBytes),
          appsOn(host, l.lun).join(',') || '-',
        ]),
      ),
    );
  },
};

const show: Command = {
  words: ['lun', 'show'],
  args: [{ name: 'lun', kind: 'lun' }],
  options: [],
  json: true,
  summary: 'one LUN: SCSI identity (VPD 0x80/0x83), capacity, and the VDI and disk group behind it',
  details: [
    'The VDI and disk group come from the storage manager on the central server (GET /xdc/v1/luns/{naa}).',
  ],
  async run(host, inv) {
    const cached = host.resolveLun(inv.args[0]!);
    // Ask the device again: `show` is what the LUN says now, not what the last scan saw.
    const l: LunRecord = await discoverLun(host.hba, cached.lun);
    let backing: { vdiId: string; diskGroupId: string; diskGroupName: string } | null = null;
    let backingNote = '';
    if (l.naa) {
      try {
        backing = await host.lookupLun(l.naa);
        if (!backing) backingNote = 'not known to the storage manager';
      } catch (e) {
        backingNote = `unknown (${asXdcError(e).toString()})`;
      }
    } else backingNote = 'unknown (the LUN reports no NAA id)';
    const apps = appsOn(host, l.lun);
    if (inv.json)
      return json({ ...l, name: lunName(l.lun), apps, backing, backingNote: backingNote || null });
    return ok(
      keyValues([
        ['LUN', lunName(l.lun)],
        ['Address', `${l.address} (port:bus:target:lun)`],
        ['Vendor', l.vendor],
        ['Product', l.product],
        ['Revision', l.revision],
        ['Serial (VPD 80h)', l.serial],
        ['Device id (VPD 83h)', l.naa ? `naa.${l.naa}` : '-'],
        ['T10 vendor id', l.t10 ?? '-'],
        [
          'Capacity',
          `${formatBytes(l.sizeBytes)} (${l.sizeBytes / l.blockSize} blocks of ${l.blockSize} bytes)`,
        ],
        ['VDI', backing ? backing.vdiId : backingNote],
        ['Disk group', backing ? `${backing.diskGroupName} (${backing.diskGroupId})` : backingNote],
        ['Applications', apps.join(', ') || '-'],
      ]),
    );
  },
};

const rescan: Command = {
  words: ['lun', 'rescan'],
  args: [],
  options: [],
  json: true,
  summary: 'rescan the HBA (REPORT LUNS + INQUIRY) and report what changed to the central server',
  async run(host, inv) {
    const r = await host.rescan();
    if (inv.json) return json(r);
    const lines = [`Found ${r.luns.length} LUN(s).`];
    for (const l of r.added)
      lines.push(`  added   ${lunName(l.lun)} ${l.serial} ${formatBytes(l.sizeBytes)}`);
    for (const l of r.removed) lines.push(`  removed ${lunName(l.lun)} ${l.serial}`);
    for (const x of r.resized)
      lines.push(
        `  resized ${lunName(x.lun.lun)} ${formatBytes(x.fromBytes)} -> ${formatBytes(x.lun.sizeBytes)}`,
      );
    for (const e of r.errors) lines.push(`  error   ${e}`);
    if (r.added.length + r.removed.length + r.resized.length === 0 && r.errors.length === 0)
      lines.push('No change.');
    return { exitCode: r.errors.length ? 1 : 0, output: lines.join('\n') };
  },
};

export const lunCommands: Command[] = [list, show, rescan];
