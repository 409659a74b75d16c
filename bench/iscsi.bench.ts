/**
 * The lab's iSCSI target against tgt, read by the same real initiator (libiscsi's iscsi-perf) in
 * the same run: 128 KiB sequential reads, 16 in flight (MB/s), and 4 KiB random reads (IOPS).
 * tgt serves a sparse file of the same size as the lab LUN (an unwritten volume: both read
 * unallocated blocks). Needs iscsi-perf, tgtd, tgtadm and root (tgtd); otherwise it prints a
 * skip line and returns, so CI never fails for want of them.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demoLabSpec } from '../src-main/pool/demo';
import { iqnFor, startPoolIscsiTarget } from '../src-main/pool/iscsi';
import { Pool } from '../src-main/pool/pool';
import { type BenchOptions, report } from './lib';

const run = promisify(execFile);

async function has(tool: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Runs iscsi-perf for `seconds` and returns its last "iops average N (X MB/s)". */
function perf(url: string, seconds: number, args: string[]): Promise<{ iops: number; mbs: number } | null> {
  return new Promise((resolve) => {
    const child = spawn('iscsi-perf', [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), seconds * 1000);
    child.on('close', () => {
      clearTimeout(timer);
      const all = [...out.matchAll(/iops average (\d+) \(([\d.]+) MB\/s\)/g)];
      const last = all[all.length - 1];
      resolve(last ? { iops: Number(last[1]), mbs: Number(last[2]) } : null);
    });
  });
}

export default async function iscsiBench(opts: BenchOptions): Promise<void> {
  const tools = ['iscsi-perf', 'tgtd', 'tgtadm'];
  const missing = [];
  for (const t of tools) if (!(await has(t))) missing.push(t);
  if (missing.length || process.getuid?.() !== 0) {
    console.log(
      `BENCH iscsi.read.vs_tgt skipped: ${missing.length ? `${missing.join(', ')} not installed (apt-get install libiscsi-bin tgt)` : 'tgtd needs root'}`,
    );
    return;
  }
  const seconds = opts.quick ? 2 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'xdc-iscsi-bench-'));
  let pool: Pool | undefined;
  let tgtd: ChildProcess | undefined;
  const ctl = String(2000 + Math.floor(Math.random() * 5000));
  try {
    pool = await Pool.open({ labDir: join(dir, 'lab'), spec: demoLabSpec('iSCSI bench') });
    const opened = pool;
    const portal = await startPoolIscsiTarget({ pool: () => opened, port: 0 });
    const vm = pool.guests.get('g4')!;
    const sizeBytes = vm.vbds[0]!.ring.capacityBlocks() * 512;
    const labUrl = `iscsi://127.0.0.1:${portal.port}/${iqnFor(pool.spec.poolId, 'g4')}/0`;

    const file = join(dir, 'tgt-lun.img');
    writeFileSync(file, '');
    truncateSync(file, sizeBytes);
    const tgtPort = await freePort();
    tgtd = spawn('tgtd', ['-f', '-C', ctl, '--iscsi', `portal=127.0.0.1:${tgtPort}`], { stdio: 'ignore' });
    const tgtIqn = 'iqn.2001-04.com.example:xdc-bench';
    const adm = (...a: string[]) => run('tgtadm', ['-C', ctl, '--lld', 'iscsi', ...a]);
    for (let i = 0; i < 40; i++) {
      try {
        await adm('--op', 'show', '--mode', 'target');
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await adm('--op', 'new', '--mode', 'target', '--tid', '1', '-T', tgtIqn);
    await adm('--op', 'new', '--mode', 'logicalunit', '--tid', '1', '--lun', '1', '-b', file);
    await adm('--op', 'bind', '--mode', 'target', '--tid', '1', '-I', 'ALL');
    const tgtUrl = `iscsi://127.0.0.1:${tgtPort}/${tgtIqn}/1`;

    const seqArgs = ['-b', '256', '-m', '16'];
    const lab = await perf(labUrl, seconds, seqArgs);
    const tgt = await perf(tgtUrl, seconds, seqArgs);
    if (!lab || !tgt) {
      console.log(
        `BENCH iscsi.read.vs_tgt skipped: iscsi-perf gave no figure (lab ${lab ? 'ok' : 'none'}, tgt ${tgt ? 'ok' : 'none'})`,
      );
    } else {
      report({
        name: 'iscsi.read.vs_tgt',
        value: lab.mbs,
        unit: 'MB/s',
        baseline: tgt.mbs,
        baselineUnit: 'MB/s',
        goal: '>= 1.0',
      });
    }
    const randArgs = ['-b', '8', '-m', '16', '-r'];
    const lab4k = await perf(labUrl, seconds, randArgs);
    const tgt4k = await perf(tgtUrl, seconds, randArgs);
    if (lab4k && tgt4k) {
      report({
        name: 'iscsi.rand4k.read.vs_tgt',
        value: lab4k.iops,
        unit: 'IOPS',
        baseline: tgt4k.iops,
        baselineUnit: 'IOPS',
      });
    }
    await portal.close();
  } finally {
    if (tgtd && tgtd.exitCode === null) {
      // tgtd ignores SIGTERM while it serves targets: take them down, then the daemon itself.
      const exited = new Promise((r) => tgtd!.once('exit', r));
      const adm = (...a: string[]) => run('tgtadm', ['-C', ctl, ...a]).catch(() => undefined);
      await adm('--lld', 'iscsi', '--op', 'delete', '--mode', 'target', '--tid', '1', '--force');
      await adm('--op', 'delete', '--mode', 'system');
      const timer = setTimeout(() => tgtd!.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await pool?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
