/**
 * `dcli scsi <lun> <cdb hex...> [--alloc n] [--raw]`: send one raw CDB, like sg_raw. Shows the
 * status, the data as a hex dump and the DECODED sense; `--raw` prints only bare hex of the
 * data (or, on CHECK CONDITION, of the sense bytes) for scripts.
 */
import { describeCdb, describeSense, statusName } from '../../scsi';
import { CHECK_CONDITION, GOOD } from '../scsi-commands';
import { type Command, flag, option, UsageError } from './command';
import { bareHex, hexDump } from './format';

export function parseCdbHex(words: string[]): Buffer {
  const text = words.map((w) => w.replace(/^0x/i, '').replace(/[:,]/g, '')).join('');
  if (text.length === 0) throw new UsageError('give the CDB as hex bytes, e.g. 12 00 00 00 24 00');
  if (!/^[0-9a-fA-F]+$/.test(text))
    throw new UsageError(`the CDB must be hex bytes; got '${words.join(' ')}'`);
  if (text.length % 2 !== 0) throw new UsageError(`the CDB hex has an odd number of digits (${text.length})`);
  const cdb = Buffer.from(text, 'hex');
  if (cdb.length > 32) throw new UsageError(`a CDB is at most 32 bytes; got ${cdb.length}`);
  return cdb;
}

const scsi: Command = {
  words: ['scsi'],
  args: [
    { name: 'lun', kind: 'lun' },
    { name: 'cdb-hex', kind: 'hex', rest: true },
  ],
  options: [
    {
      name: 'alloc',
      value: 'n',
      help: "the initiator's buffer for data-in, in bytes (truncates what comes back)",
    },
    { name: 'raw', help: 'print only bare hex of the data (or of the sense on CHECK CONDITION)' },
  ],
  summary: 'send a raw CDB to a LUN and show status, data and decoded sense',
  details: [
    'Examples:',
    '  dcli scsi lun1 12 00 00 00 24 00          INQUIRY',
    '  dcli scsi lun1 5f 00 00 00 00 00 00 00 18 00   PERSISTENT RESERVE OUT (refused)',
  ],
  async run(host, inv) {
    const word = inv.args[0]!;
    const m = /^(?:lun)?(\d{1,5})$/i.exec(word);
    // A bare number may name a LUN that does not exist: that is a valid thing to ask a target.
    const lun = m ? Number(m[1]) : host.resolveLun(word).lun;
    const cdb = parseCdbHex(inv.args.slice(1));
    const allocText = option(inv, 'alloc');
    let alloc: number | undefined;
    if (allocText !== undefined) {
      if (!/^\d{1,9}$/.test(allocText)) throw new UsageError(`--alloc ${allocText}: expected a byte count`);
      alloc = Number(allocText);
    }
    const a = await host.hba.execute(
      lun,
      cdb,
      undefined,
      alloc === undefined ? undefined : { allocationLength: alloc },
    );
    const exitCode = a.status === GOOD ? 0 : 1;
    if (flag(inv, 'raw')) {
      const bytes = a.status === CHECK_CONDITION && a.sense ? a.sense : a.data;
      return { exitCode, output: bareHex(bytes) };
    }
    const lines = [
      `CDB:    ${[...cdb].map((b) => b.toString(16).padStart(2, '0')).join(' ')}  (${describeCdb(cdb)})`,
      `Status: ${statusName(a.status)} (${a.status.toString(16).padStart(2, '0')}h)`,
    ];
    if (a.status === CHECK_CONDITION && a.sense) {
      lines.push(`Sense:  ${[...a.sense].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
      lines.push(`        ${describeSense(a.sense)}`);
    } else {
      lines.push(`Data:   ${a.data.length} byte(s)${a.residual ? `, residual ${a.residual}` : ''}`);
      if (a.data.length) lines.push(hexDump(a.data));
    }
    return { exitCode, output: lines.join('\n') };
  },
};

export const scsiCommands: Command[] = [scsi];
