/**
 * Measures one pool size in a process of its own (so RSS is that pool's alone): boots a lab of
 * `hosts` x `guestsPerHost` (0 0 = the demo pool) through bootLab with its real HTTP API, then
 * times GET /api/v1/pool and a DCLI line over HTTP, the pool view and the renderer's topology
 * layout, and a migration attempt. Prints one JSON line (PoolMeasurement).
 *
 *   node --import tsx test/scale/measure-pool.ts <hosts> <guestsPerHost> [samples]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootLab } from '../../src-main/api/boot';
import { demoLabSpec, scaleLabSpec } from '../../src-main/pool/demo';
import { layoutTopology } from '../../src-renderer/layout/topology-layout';

export interface PoolMeasurement {
  guests: number;
  bootMs: number;
  rssMB: number;
  peakRssMB: number;
  apiPoolP50Ms: number;
  dcliP50Ms: number;
  viewMs: number;
  layoutMs: number;
  layoutNodes: number;
  migration: string;
  invariantsOk: boolean;
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function measure(hosts: number, perHost: number, samples: number): Promise<PoolMeasurement> {
  const root = mkdtempSync(join(tmpdir(), 'xdc-scale-'));
  process.env.XDC_LAB_HOME = join(root, 'home');
  const spec = hosts > 0 ? scaleLabSpec(hosts, perHost) : demoLabSpec();
  const t0 = performance.now();
  const lab = await bootLab({ labDir: join(root, 'lab'), spec, auth: { scrypt: { N: 1024, r: 8, p: 1 } } });
  const bootMs = performance.now() - t0;
  try {
    const headers = { authorization: `Bearer ${lab.adminToken}`, 'content-type': 'application/json' };
    const get = async () => {
      const r = await fetch(`${lab.apiUrl}/api/v1/pool`, { headers });
      if (r.status !== 200) throw new Error(`GET /api/v1/pool -> ${r.status}`);
      return (await r.json()) as {
        guests: Array<{ id: string; central: boolean; hostId: string }>;
        hosts: Array<{ id: string }>;
      };
    };
    const view = await get();
    const apiTimes: number[] = [];
    const dcliTimes: number[] = [];
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      await get();
      apiTimes.push(performance.now() - t);
      t = performance.now();
      const r = await fetch(`${lab.apiUrl}/api/v1/guests/g1/dcli`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ line: 'dcli lun list' }),
      });
      if (r.status !== 200) throw new Error(`dcli -> ${r.status}`);
      dcliTimes.push(performance.now() - t);
    }
    const pool = lab.labs.current();
    let t = performance.now();
    const pv = pool.view();
    const viewMs = performance.now() - t;
    t = performance.now();
    const layout = layoutTopology(pv);
    const layoutMs = performance.now() - t;
    const g = view.guests.find((x) => !x.central)!;
    const to = view.hosts.find((h) => h.id !== g.hostId)!.id;
    const m = await fetch(`${lab.apiUrl}/api/v1/guests/${g.id}/migrate`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ to }),
    });
    const mb = (await m.json()) as { id?: string; error?: { code: string; message: string } };
    const migration =
      m.status < 300 ? `started ${mb.id ?? '?'}` : `refused ${m.status} ${mb.error?.code ?? ''}`;
    const invariantsOk = pool.invariants().ok;
    return {
      guests: pv.guests.length - 1,
      bootMs,
      rssMB: process.memoryUsage().rss / 1048576,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      apiPoolP50Ms: p50(apiTimes),
      dcliP50Ms: p50(dcliTimes),
      viewMs,
      layoutMs,
      layoutNodes: layout.nodes.length,
      migration,
      invariantsOk,
    };
  } finally {
    await lab.close();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('measure-pool.ts')) {
  const [h, g, s] = process.argv.slice(2).map(Number);
  const r = await measure(h ?? 0, g ?? 0, s || 10);
  console.log(JSON.stringify(r));
  process.exit(0);
}
