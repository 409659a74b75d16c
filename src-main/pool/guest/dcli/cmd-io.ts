/**
 * `dcli io write | verify | read`: block I/O from inside the guest with real READ(16)/WRITE(16)
 * CDBs, 1 MiB per command (a disk driver's usual max transfer). The pattern is a function of
 * the seed and the ABSOLUTE offset, so any sub-range of a write verifies on its own.
 */
import { issue, lunName } from '../agentlets';
import { firstMismatch, patternBytes } from '../io-pattern';
import { Cdb } from '../scsi-commands';
import type { LunRecord } from '../wire';
import { type Command, type Invocation, json, ok, option, UsageError } from './command';
import { formatBytes, hexDump, parseSize } from './format';

export const IO_MAX_BYTES = 64 * 1024 * 1024;
export const READ_DUMP_MAX_BYTES = 1024 * 1024;
const PER_COMMAND = 1024 * 1024;

interface Range {
  lun: LunRecord;
  offset: number;
  length: number;
}

function range(l: LunRecord, inv: Invocation, cap: number): Range {
  const get = (name: string): number => {
    const t = option(inv, name)!;
    const v = parseSize(t);
    if (v === null) throw new UsageError(`--${name} ${t}: expected a byte count like 4096, 64k or 1M`);
    return v;
  };
  const offset = get('offset');
  const length = get('length');
  const bs = l.blockSize;
  if (offset % bs !== 0)
    throw new UsageError(`--offset ${offset} is not a multiple of the ${bs}-byte block size`);
  if (length % bs !== 0)
    throw new UsageError(`--length ${length} is not a multiple of the ${bs}-byte block size`);
  if (length === 0) throw new UsageError('--length must be at least one block');
  if (length > cap)
    throw new UsageError(
      `--length ${formatBytes(length)} is over the ${formatBytes(cap)} limit of one dcli io command`,
    );
  if (offset + length > l.sizeBytes) {
    throw new UsageError(
      `${formatBytes(length)} at offset ${offset} goes past the end of ${lunName(l.lun)} (${formatBytes(l.sizeBytes)})`,
    );
  }
  return { lun: l, offset, length };
}

function seedOf(inv: Invocation): number {
  const t = option(inv, 'seed')!;
  if (!/^\d{1,10}$/.test(t) || Number(t) > 0xffffffff)
    throw new UsageError(`--seed ${t}: expected a whole number from 0 to 4294967295`);
  return Number(t);
}

async function readRange(
  host: Parameters<Command['run']>[0],
  r: Range,
  each: (chunk: Buffer, at: number) => boolean,
): Promise<void> {
  const bs = r.lun.blockSize;
  for (let done = 0; done < r.length; ) {
    const n = Math.min(PER_COMMAND, r.length - done);
    const at = r.offset + done;
    const data = await issue(host.hba, r.lun.lun, 'READ(16)', Cdb.read16(at / bs, n / bs));
    if (!each(data, at)) return;
    done += n;
  }
}

const rangeOptions = [
  { name: 'offset', value: 'bytes', help: 'byte offset on the LUN (a multiple of 512)', required: true },
  {
    name: 'length',
    value: 'bytes',
    help: 'bytes to transfer (a multiple of 512, at most 64 MiB)',
    required: true,
  },
] as const;

const write: Command = {
  words: ['io', 'write'],
  args: [{ name: 'lun', kind: 'lun' }],
  options: [
    ...rangeOptions,
    { name: 'seed', value: 'n', help: 'pattern seed (0-4294967295)', required: true },
  ],
  json: true,
  summary: 'write a deterministic pattern (seed + absolute offset) with WRITE(16); returns once acknowledged',
  async run(host, inv) {
    const r = range(host.resolveLun(inv.args[0]!), inv, IO_MAX_BYTES);
    const seed = seedOf(inv);
    const bs = r.lun.blockSize;
    let commands = 0;
    for (let done = 0; done < r.length; ) {
      const n = Math.min(PER_COMMAND, r.length - done);
      const at = r.offset + done;
      await issue(host.hba, r.lun.lun, 'WRITE(16)', Cdb.write16(at / bs, n / bs), patternBytes(seed, at, n));
      commands++;
      done += n;
    }
    const result = { lun: lunName(r.lun.lun), offset: r.offset, length: r.length, seed, commands };
    if (inv.json) return json(result);
    return ok(
      `Wrote ${formatBytes(r.length)} at offset ${r.offset} of ${lunName(r.lun.lun)} (seed ${seed}, ${commands} WRITE(16) command(s)); acknowledged.`,
    );
  },
};

const verify: Command = {
  words: ['io', 'verify'],
  args: [{ name: 'lun', kind: 'lun' }],
  options: [
    ...rangeOptions,
    { name: 'seed', value: 'n', help: 'the seed the data was written with', required: true },
  ],
  json: true,
  summary:
    'read the range back with READ(16) and compare with the pattern; exit 1 at the first differing byte',
  async run(host, inv) {
    const r = range(host.resolveLun(inv.args[0]!), inv, IO_MAX_BYTES);
    const seed = seedOf(inv);
    let bad: { offset: number; expected: number; found: number } | null = null;
    await readRange(host, r, (chunk, at) => {
      const i = firstMismatch(seed, at, chunk);
      if (i < 0) return true;
      bad = {
        offset: at + i,
        expected: patternBytes(seed, (at + i) & ~3, 4)[(at + i) & 3]!,
        found: chunk[i]!,
      };
      return false;
    });
    const b = bad as { offset: number; expected: number; found: number } | null;
    if (inv.json)
      return {
        exitCode: b ? 1 : 0,
        output: JSON.stringify(
          { lun: lunName(r.lun.lun), offset: r.offset, length: r.length, seed, ok: !b, firstMismatch: b },
          null,
          2,
        ),
      };
    if (b) {
      const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
      return {
        exitCode: 1,
        output: `MISMATCH on ${lunName(r.lun.lun)} at byte offset ${b.offset}: expected ${hex(b.expected)} (seed ${seed}), found ${hex(b.found)}`,
      };
    }
    return ok(
      `Verified ${formatBytes(r.length)} at offset ${r.offset} of ${lunName(r.lun.lun)}: matches seed ${seed}.`,
    );
  },
};

const read: Command = {
  words: ['io', 'read'],
  args: [{ name: 'lun', kind: 'lun' }],
  options: [
    rangeOptions[0],
    {
      name: 'length',
      value: 'bytes',
      help: 'bytes to read (a multiple of 512, at most 1 MiB)',
      required: true,
    },
  ],
  summary: 'read a range with READ(16) and print a hex dump',
  async run(host, inv) {
    const r = range(host.resolveLun(inv.args[0]!), inv, READ_DUMP_MAX_BYTES);
    const parts: Buffer[] = [];
    await readRange(host, r, (chunk) => {
      parts.push(chunk);
      return true;
    });
    return ok(hexDump(Buffer.concat(parts), r.offset));
  },
};

export const ioCommands: Command[] = [write, verify, read];
