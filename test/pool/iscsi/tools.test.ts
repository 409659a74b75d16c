/**
 * The real initiator tools against the lab's target, when they are installed (Debian's
 * libiscsi-bin). Without them the test says so and passes, unless XDC_REQUIRE_ISCSI_TOOLS=1 (CI
 * after installing them) makes their absence a failure.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type IscsiLab, openIscsiLab } from './fixture';

const run = promisify(execFile);

async function has(tool: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
}

let lab: IscsiLab | undefined;
afterAll(async () => {
  await lab?.close();
});

describe('libiscsi tools against the lab target', () => {
  it('iscsi-ls lists every guest target with its LUNs, and iscsi-inq reads the standard INQUIRY of g4 LUN 0', async () => {
    const present = (await has('iscsi-ls')) && (await has('iscsi-inq'));
    if (!present) {
      const msg = 'iscsi-ls / iscsi-inq are not installed (apt-get install libiscsi-bin): tool check not run';
      console.warn(msg);
      expect(process.env.XDC_REQUIRE_ISCSI_TOOLS, msg).not.toBe('1');
      return;
    }
    lab = await openIscsiLab();
    const portal = `iscsi://127.0.0.1:${lab.port}`;
    const ls = await run('iscsi-ls', ['-s', portal], { timeout: 20000 });
    for (const g of ['g1', 'g2', 'g3', 'g4', 'g5'])
      expect(ls.stdout).toContain(`Target:${lab.iqn(g)} Portal:127.0.0.1:${lab.port},1`);
    expect(ls.stdout.match(/Lun:\d+\s+Type:DIRECT_ACCESS/g)).toHaveLength(11);
    const inq = await run('iscsi-inq', [`${portal}/${lab.iqn('g4')}/0`], { timeout: 20000 });
    expect(inq.stdout).toMatch(/Vendor:SYMANTEC/);
    expect(inq.stdout).toMatch(/Product:XDC VDISK/);
    const cap = await run('iscsi-readcapacity16', [`${portal}/${lab.iqn('g4')}/0`], { timeout: 20000 });
    expect(cap.stdout).toContain(`Total size:${2 * 1024 ** 3}`);
  }, 60000);
});
