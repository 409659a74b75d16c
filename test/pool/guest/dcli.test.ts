import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GuestPool, naaOf, openGuestPool } from './fixture';

describe('DCLI in a Windows and a Linux guest', () => {
  let pool: GuestPool;
  beforeAll(async () => {
    pool = await openGuestPool();
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('shows C:\\> on Windows and a root shell prompt on Linux', () => {
    expect(pool.host('g1').prompt()).toBe('C:\\>');
    expect(pool.host('g2').prompt()).toBe('root@lnx01:~# ');
  });

  it('dcli help lists every command; dcli help <command> shows its usage and options', async () => {
    const all = await pool.dcli('g1', 'dcli help');
    expect(all.exitCode).toBe(0);
    for (const c of [
      'lun list',
      'lun show',
      'snapshot create',
      'schedule add',
      'io write',
      'scsi',
      'fence start',
      'lab vss',
    ]) {
      expect(all.output).toContain(c);
    }
    const one = await pool.dcli('g1', 'dcli help snapshot create');
    expect(one.exitCode).toBe(0);
    expect(one.output).toContain(
      'Usage: dcli snapshot create <lun|app> [--name <N>] [--crash-consistent] [--json]',
    );
    const lab = await pool.dcli('g1', 'dcli help lab vss');
    expect(lab.output).toMatch(/--veto <app>/);
    expect(lab.output).toMatch(/--provider-delay <ms>/);
    expect(lab.output).toMatch(/--clear/);
    const viaFlag = await pool.dcli('g1', 'dcli io write --help');
    expect(viaFlag.exitCode).toBe(0);
    expect(viaFlag.output).toContain('--seed <n>');
  });

  it('a wrong line gets the usage and exit code 2, never an exception', async () => {
    const cases: Array<[string, RegExp]> = [
      ['dcli', /no command given/],
      ['dcli frobnicate', /unknown command 'frobnicate'/],
      ['dcli lun', /lun needs a command[\s\S]*dcli lun list/],
      ['dcli lun explode', /unknown lun command 'explode'/],
      ['dcli lun show', /missing <lun>/],
      ['dcli lun list extra', /unexpected argument 'extra'/],
      ['dcli lun list --colour', /unknown option --colour/],
      ['dcli snapshot create SG1 --name', /--name needs a value/],
      ['dcli schedule add SG1 --every 5x --keep 2', /expected an interval like 30s/],
      ['dcli schedule add SG1 --every 30s', /--keep <n> is required/],
      ['dcli lun show "lun1', /unterminated " quote/],
      ['dcli help nonsense', /no help for 'nonsense'/],
    ];
    for (const [line, expected] of cases) {
      const r = await pool.dcli('g1', line);
      expect(r.exitCode, line).toBe(2);
      expect(r.output, line).toMatch(expected);
    }
  });

  it('an unknown program is not recognized, as cmd.exe and bash say it', async () => {
    const w = await pool.dcli('g1', 'format c:');
    expect(w.exitCode).toBe(9009);
    expect(w.output).toMatch(/'format' is not recognized as an internal or external command/);
    const l = await pool.dcli('g2', 'rm -rf /');
    expect(l.exitCode).toBe(127);
    expect(l.output).toBe('-bash: rm: command not found');
    expect(await pool.dcli('g1', '   ')).toEqual({ exitCode: 0, output: '' });
  });

  it('lun list shows each LUN from INQUIRY/VPD/READ CAPACITY in aligned columns, and --json the same data', async () => {
    const r = await pool.dcli('g1', 'dcli lun list');
    expect(r.exitCode).toBe(0);
    const lines = r.output.split('\n');
    expect(lines[0]).toMatch(/^LUN\s+ADDRESS\s+VENDOR\s+PRODUCT\s+REV\s+SERIAL\s+CAPACITY\s+APPS$/);
    expect(lines).toHaveLength(5);
    // Aligned: every row has its SERIAL column where the header has it.
    const col = lines[0]!.indexOf('SERIAL');
    for (const row of lines.slice(2)) expect(row.slice(col, col + 3)).toBe('XDC');
    expect(lines[3]).toMatch(
      /^lun1\s+0:0:0:1\s+SYMANTEC\s+XDC VDISK\s+1\.0\s+XDC[0-9A-F]{17}\s+8 MiB\s+SG1$/,
    );
    const j = JSON.parse((await pool.dcli('g1', 'dcli lun list --json')).output) as Array<{
      lun: number;
      naa: string;
      sizeBytes: number;
    }>;
    expect(j.map((l) => l.lun)).toEqual([0, 1, 2]);
    expect(j[1]!.naa).toBe(naaOf('vol-g1-db'));
    expect(j[1]!.sizeBytes).toBe(8 * 1024 * 1024);
  });

  it('lun show names the VDI and disk group behind the LUN (from the storage manager); an unknown LUN is exit 1', async () => {
    const r = await pool.dcli('g1', 'dcli lun show lun2');
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/Device id \(VPD 83h\):\s+naa\.60a5dc/);
    expect(r.output).toContain(`naa.${naaOf('vol-g1-log')}`);
    expect(r.output).toMatch(/VDI:\s+vol-g1-log/);
    expect(r.output).toMatch(/Disk group:\s+xdcdg \(dg1\)/);
    expect(r.output).toMatch(/Capacity:\s+8 MiB \(16384 blocks of 512 bytes\)/);
    const bySerial = JSON.parse(
      (
        await pool.dcli(
          'g1',
          `dcli lun show ${JSON.parse((await pool.dcli('g1', 'dcli lun show 0 --json')).output).serial} --json`,
        )
      ).output,
    );
    expect(bySerial.lun).toBe(0);
    expect(bySerial.backing.vdiId).toBe('vol-g1-sys');
    const bad = await pool.dcli('g1', 'dcli lun show lun7');
    expect(bad.exitCode).toBe(1);
    expect(bad.output).toBe("dcli: ERR_NOT_FOUND: no LUN 'lun7' in this guest (LUNs: lun0, lun1, lun2)");
  });

  it('app list/show describe the Exchange storage group; an unknown app is exit 1 naming the apps', async () => {
    const r = await pool.dcli('g1', 'dcli app list');
    expect(r.output).toMatch(/^APP\s+KIND\s+STATE\s+LUNS\s+NAME\n-+/);
    expect(r.output).toMatch(/SG1\s+Exchange storage group\s+online\s+lun1,lun2\s+First Storage Group/);
    const s = JSON.parse((await pool.dcli('g1', 'dcli app show sg1 --json')).output);
    expect(s).toMatchObject({
      id: 'SG1',
      kind: 'exchange',
      state: 'online',
      luns: [1, 2],
      writer: 'Microsoft Exchange Writer',
    });
    const bad = await pool.dcli('g1', 'dcli app show Payroll');
    expect(bad.exitCode).toBe(1);
    expect(bad.output).toContain("no application 'Payroll' in this guest (applications: SG1)");
    expect((await pool.dcli('g2', 'dcli app list')).output).toBe('No applications in this guest.');
  });

  it('io write then verify and read: the pattern depends only on seed and absolute offset', async () => {
    const w = await pool.dcli('g2', 'dcli io write lun1 --offset 1M --length 256k --seed 42');
    expect(w.exitCode).toBe(0);
    expect(w.output).toMatch(
      /Wrote 256 KiB at offset 1048576 of lun1 \(seed 42, 1 WRITE\(16\) command\(s\)\); acknowledged\./,
    );
    expect((await pool.dcli('g2', 'dcli io verify lun1 --offset 1M --length 256k --seed 42')).exitCode).toBe(
      0,
    );
    // A sub-range verifies on its own.
    expect(
      (await pool.dcli('g2', 'dcli io verify lun1 --offset 1114112 --length 4096 --seed 42')).exitCode,
    ).toBe(0);
    const wrongSeed = await pool.dcli('g2', 'dcli io verify lun1 --offset 1M --length 4k --seed 43');
    expect(wrongSeed.exitCode).toBe(1);
    expect(wrongSeed.output).toMatch(
      /MISMATCH on lun1 at byte offset 10485\d\d: expected 0x[0-9a-f]{2} \(seed 43\), found 0x[0-9a-f]{2}/,
    );
    // Overwrite one block in the middle: verify names exactly where it differs.
    await pool.dcli('g2', 'dcli io write lun1 --offset 1150976 --length 512 --seed 7');
    const broken = await pool.dcli('g2', 'dcli io verify lun1 --offset 1M --length 256k --seed 42');
    expect(broken.exitCode).toBe(1);
    expect(broken.output).toMatch(/at byte offset 115097[6-9]/);
    const dump = await pool.dcli('g2', 'dcli io read lun1 --offset 1M --length 512');
    expect(dump.exitCode).toBe(0);
    const lines = dump.output.split('\n');
    expect(lines).toHaveLength(32);
    expect(lines[0]).toMatch(
      /^00100000 {2}([0-9a-f]{2} ){7}[0-9a-f]{2} {2}([0-9a-f]{2} ){7}[0-9a-f]{2} {2}\|.{16}\|$/,
    );
    expect(lines[1]!.startsWith('00100010')).toBe(true);
  });

  it('io refuses misaligned, oversized and out-of-range requests with a clear usage error', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'dcli io write lun1 --offset 100 --length 512 --seed 1',
        /--offset 100 is not a multiple of the 512-byte block size/,
      ],
      [
        'dcli io write lun1 --offset 0 --length 1000 --seed 1',
        /--length 1000 is not a multiple of the 512-byte block size/,
      ],
      ['dcli io write lun1 --offset 0 --length 128M --seed 1', /over the 64 MiB limit/],
      ['dcli io write lun1 --offset 8M --length 512 --seed 1', /goes past the end of lun1 \(8 MiB\)/],
      [
        'dcli io write lun1 --offset 0 --length 512 --seed -3',
        /unknown option -3|--seed needs a value|expected a whole number/,
      ],
      ['dcli io read lun1 --offset 0 --length 2M', /over the 1 MiB limit/],
      ['dcli io write lun1 --offset x --length 512 --seed 1', /expected a byte count/],
    ];
    for (const [line, expected] of cases) {
      const r = await pool.dcli('g2', line);
      expect(r.exitCode, line).toBe(2);
      expect(r.output, line).toMatch(expected);
    }
    const unknown = await pool.dcli('g2', 'dcli io write lun5 --offset 0 --length 512 --seed 1');
    expect(unknown.exitCode).toBe(1);
  });

  it('scsi sends a raw CDB: INQUIRY data as a hex dump, --alloc truncates, --raw prints bare hex', async () => {
    const r = await pool.dcli('g1', 'dcli scsi lun1 12 00 00 00 24 00');
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/CDB: {4}12 00 00 00 24 00 {2}\(INQUIRY\)/);
    expect(r.output).toMatch(/Status: GOOD \(00h\)/);
    expect(r.output).toMatch(/Data: {3}36 byte\(s\)/);
    expect(r.output).toContain('53 59 4d 41 4e 54 45 43  |....E...SYMANTEC|');
    const raw = await pool.dcli('g1', 'dcli scsi lun1 120000002400 --raw');
    expect(raw.exitCode).toBe(0);
    const bytes = Buffer.from(raw.output.replace(/\n/g, ''), 'hex');
    expect(bytes).toHaveLength(36);
    expect(bytes.subarray(8, 16).toString('latin1')).toBe('SYMANTEC');
    const cut = await pool.dcli('g1', 'dcli scsi lun1 12 00 00 00 24 00 --alloc 8 --raw');
    expect(Buffer.from(cut.output, 'hex')).toHaveLength(8);
  });

  it('scsi shows the decoded sense of a refused command, and --raw the sense bytes', async () => {
    const r = await pool.dcli('g1', 'dcli scsi lun0 5f 00 00 00 00 00 00 00 18 00');
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/\(PERSISTENT RESERVE OUT \/ REGISTER\)/);
    expect(r.output).toMatch(/Status: CHECK CONDITION \(02h\)/);
    expect(r.output).toMatch(/ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE \(ASC 20h ASCQ 00h\)/);
    const raw = await pool.dcli('g1', 'dcli scsi 0 16 00 00 00 00 00 --raw');
    expect(raw.exitCode).toBe(1);
    const sense = Buffer.from(raw.output, 'hex');
    expect(sense).toHaveLength(18);
    expect(sense[0]).toBe(0x70);
    expect(sense[2]! & 0x0f).toBe(0x05);
    expect(sense[12]).toBe(0x20);
    expect(sense[13]).toBe(0x00);
    // A LUN number with no logical unit answers as SPC says (25h LOGICAL UNIT NOT SUPPORTED).
    const none = await pool.dcli('g1', 'dcli scsi 9 00 00 00 00 00 00');
    expect(none.output).toMatch(/LOGICAL UNIT NOT SUPPORTED/);
    for (const bad of ['dcli scsi lun1 zz', 'dcli scsi lun1 123', 'dcli scsi lun1']) {
      expect((await pool.dcli('g1', bad)).exitCode, bad).toBe(2);
    }
  });

  it('vxfenconfig -c and dcli fence start fail: PERSISTENT RESERVE OUT refused with ILLEGAL REQUEST 20h on every coordinator LUN', async () => {
    for (const line of ['vxfenconfig -c', 'dcli fence start']) {
      const r = await pool.dcli('g2', line);
      expect(r.exitCode, line).not.toBe(0);
      expect(r.output).toMatch(/PERSISTENT RESERVE OUT \/ REGISTER \(5Fh\) on lun0: CHECK CONDITION/);
      expect(r.output).toMatch(/PERSISTENT RESERVE OUT \/ REGISTER \(5Fh\) on lun1: CHECK CONDITION/);
      expect(
        r.output.match(/sense: ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE \(ASC 20h ASCQ 00h\)/g),
      ).toHaveLength(2);
      expect(r.output).toMatch(/requires SCSI-3 persistent reservations/);
      expect(r.output).toMatch(/XDC virtual LUNs do not support SCSI reservations/);
    }
    expect((await pool.dcli('g2', 'vxfenconfig')).exitCode).toBe(2);
  });

  it('tab completion knows programs, commands, LUNs, apps, options and schedule ids', () => {
    const g1 = pool.host('g1');
    expect(g1.complete('dc')).toEqual({ candidates: ['dcli'], replaceFrom: 0 });
    expect(g1.complete('dcli sn')).toEqual({ candidates: ['snapshot'], replaceFrom: 5 });
    expect(g1.complete('dcli lun ').candidates).toEqual(['list', 'rescan', 'show']);
    expect(g1.complete('dcli lun show l')).toEqual({ candidates: ['lun0', 'lun1', 'lun2'], replaceFrom: 14 });
    expect(g1.complete('dcli snapshot create ').candidates).toEqual(['SG1', 'lun0', 'lun1', 'lun2']);
    expect(g1.complete('dcli snapshot create SG1 --').candidates).toEqual([
      '--crash-consistent',
      '--json',
      '--name',
    ]);
    expect(g1.complete('dcli lab vss --veto ').candidates).toEqual(['SG1']);
    expect(g1.complete('dcli "unterminated').candidates).toEqual([]);
  });

  it('the VSS lab knobs are set, shown and cleared; Linux guests have none', async () => {
    expect((await pool.dcli('g1', 'dcli lab vss --veto SG1 --provider-delay 2500')).output).toMatch(
      /writer of SG1 vetoes its freeze[\s\S]*waits 2500 ms/,
    );
    expect((await pool.dcli('g1', 'dcli lab vss --veto Nope')).exitCode).toBe(1);
    expect((await pool.dcli('g1', 'dcli lab vss --clear')).output).toBe('VSS lab faults cleared.');
    expect((await pool.dcli('g1', 'dcli lab vss')).output).toBe('No VSS lab faults.');
    const linux = await pool.dcli('g2', 'dcli lab vss --provider-error');
    expect(linux.exitCode).toBe(2);
    expect(linux.output).toMatch(/Linux guest has no VSS/);
  });
});
