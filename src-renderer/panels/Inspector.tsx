/** The inspector: details of the selected host, guest, volume, snapshot, disk or LUN (with its SCSI identity). */
import type { ReactNode } from 'react';
import type { LunView, PoolView } from '../../src-main/api/contract';
import { useServices, useXdc } from '../context';
import { formatBytes, formatDuration, formatPoolTime } from '../format';
import type { Selection } from '../state/selection-slice';
import { jobsForGuest } from '../state/selectors';

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="kv">
      <span className="k">{label}</span>
      <span className="v" data-testid={testId}>
        {children}
      </span>
    </div>
  );
}

function lunOf(pool: PoolView, guestId: string, lun: number): LunView | undefined {
  return pool.guests.find((g) => g.id === guestId)?.luns.find((l) => l.lun === lun);
}

function LunIdentity({ lun }: { lun: LunView }) {
  return (
    <>
      <Row label="LUN">{lun.lun}</Row>
      <Row label="VDI">{lun.vdiId}</Row>
      <Row label="capacity">{formatBytes(lun.sizeBytes)}</Row>
      <Row label="unit serial" testId="lun-serial">
        {lun.serial}
      </Row>
      <Row label="NAA" testId="lun-naa">
        {lun.naa}
      </Row>
    </>
  );
}

function Body({ sel, pool }: { sel: Selection; pool: PoolView }) {
  const { store } = useServices();
  const jobs = useXdc((s) => s.jobs);
  const select = (next: Selection) => store.getState().select(next);
  switch (sel.kind) {
    case 'host': {
      const h = pool.hosts.find((x) => x.id === sel.id);
      if (!h) return null;
      const guests = pool.guests.filter((g) => g.hostId === h.id);
      const owned = pool.volumes.filter((v) => v.ownerHostId === h.id);
      return (
        <>
          <h3>Host {h.name}</h3>
          <Row label="id">{h.id}</Row>
          <Row label="state">{h.state}</Row>
          <Row label="role">{h.volumeServer ? 'volume server + volume client' : 'volume client'}</Row>
          <Row label="memory">{formatBytes(h.memoryMiB * 1024 * 1024)}</Row>
          <Row label="xprtld">{h.xprtld ?? '—'}</Row>
          <Row label="guests">{guests.map((g) => g.name).join(', ') || '—'}</Row>
          <Row label="owns">
            {owned.length} volume{owned.length === 1 ? '' : 's'}
          </Row>
        </>
      );
    }
    case 'guest': {
      const g = pool.guests.find((x) => x.id === sel.id);
      if (!g) return null;
      const history = jobsForGuest(jobs, g.id).slice(0, 5);
      return (
        <>
          <h3>
            Guest {g.name} {g.central && <span className="badge badge-central">central server</span>}
          </h3>
          <Row label="id">{g.id}</Row>
          <Row label="os">{g.os}</Row>
          <Row label="host">{g.hostId}</Row>
          <Row label="state">
            {g.state}
            {g.reachable ? '' : ' (unreachable)'}
          </Row>
          <Row label="memory">{formatBytes(g.memoryMiB * 1024 * 1024)}</Row>
          <Row label="prompt">
            <code>{g.prompt}</code>
          </Row>
          <h4>LUNs</h4>
          <table className="mini">
            <thead>
              <tr>
                <th>LUN</th>
                <th>VDI</th>
                <th>size</th>
                <th>serial</th>
              </tr>
            </thead>
            <tbody>
              {g.luns.map((l) => (
                <tr
                  key={l.lun}
                  className="clickable"
                  data-testid={`lun-${g.id}-${l.lun}`}
                  onClick={() => select({ kind: 'lun', id: `${g.id}#${l.lun}` })}
                >
                  <td>{l.lun}</td>
                  <td>{l.vdiId}</td>
                  <td className="nowrap">{formatBytes(l.sizeBytes)}</td>
                  {/* The 32-digit NAA does not fit the panel: it is on the LUN's own page (click). */}
                  <td className="mono" title={`NAA ${l.naa}`}>
                    {l.serial}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h4>Applications</h4>
          {g.apps.length === 0 ? (
            <div className="muted">none discovered</div>
          ) : (
            g.apps.map((a) => (
              <Row key={a.id} label={a.kind === 'exchange' ? 'Exchange' : 'SQL Server'}>
                {a.name} · {a.state} · LUN {a.luns.join(', ')}
              </Row>
            ))
          )}
          <h4>Migrations</h4>
          {history.length === 0 ? (
            <div className="muted">none yet</div>
          ) : (
            history.map((j) => (
              <div key={j.id} className={`job-line job-${j.state}`}>
                {j.from}→{j.to} · {j.state} · {j.phase}
                {j.downtimeMs !== null && ` · downtime ${formatDuration(j.downtimeMs)}`}
                {j.error && ` · ${j.error.code}: ${j.error.message}`}
              </div>
            ))
          )}
        </>
      );
    }
    case 'lun': {
      const [guestId = '', lunText = ''] = sel.id.split('#');
      const lun = lunOf(pool, guestId, Number(lunText));
      if (!lun) return null;
      return (
        <>
          <h3>
            LUN {lun.lun} of {guestId}
          </h3>
          <div className="muted small">SCSI identity as the guest sees it (INQUIRY VPD 0x80 / 0x83)</div>
          <LunIdentity lun={lun} />
        </>
      );
    }
    case 'volume': {
      const v = pool.volumes.find((x) => x.id === sel.id);
      if (!v) return null;
      const lun = v.guestId !== null && v.lun !== null ? lunOf(pool, v.guestId, v.lun) : undefined;
      return (
        <>
          <h3>Volume {v.name}</h3>
          <Row label="id">{v.id}</Row>
          <Row label="size">{formatBytes(v.sizeBytes)}</Row>
          <Row label="disk group">{v.diskGroupId}</Row>
          <Row label="disks">{v.diskIds.join(', ')}</Row>
          <Row label="owner" testId="inspector-owner">
            {v.ownerHostId ?? 'none'}
          </Row>
          <Row label="attached to">{v.guestId ? `${v.guestId} as LUN ${v.lun}` : '—'}</Row>
          {lun && <LunIdentity lun={lun} />}
          <h4>Snapshots</h4>
          {v.snapshots.length === 0 ? (
            <div className="muted">none</div>
          ) : (
            v.snapshots.map((s) => (
              <button
                type="button"
                key={s.id}
                className="row-button job-line"
                onClick={() => select({ kind: 'snapshot', id: s.id })}
              >
                {s.name} · {s.consistency} · {formatPoolTime(s.createdAt)}
              </button>
            ))
          )}
        </>
      );
    }
    case 'snapshot': {
      const v = pool.volumes.find((x) => x.snapshots.some((s) => s.id === sel.id));
      const s = v?.snapshots.find((x) => x.id === sel.id);
      if (!v || !s) return null;
      return (
        <>
          <h3>Snapshot {s.name}</h3>
          <Row label="id">{s.id}</Row>
          <Row label="volume">{v.id}</Row>
          <Row label="taken at">{formatPoolTime(s.createdAt)}</Row>
          <Row label="consistency">{s.consistency}</Row>
          <Row label="set">{s.setId ?? '—'}</Row>
          <Row label="COW bytes">{formatBytes(s.cowBytes)}</Row>
        </>
      );
    }
    case 'disk': {
      const d = pool.disks.find((x) => x.id === sel.id);
      if (!d) return null;
      return (
        <>
          <h3>Shared disk {d.name}</h3>
          <Row label="id">{d.id}</Row>
          <Row label="size">{formatBytes(d.sizeBytes)}</Row>
          <Row label="state">{d.state}</Row>
          <Row label="disk group">{d.diskGroupId ?? 'none'}</Row>
          <Row label="volumes">{pool.volumes.filter((v) => v.diskIds.includes(d.id)).length}</Row>
        </>
      );
    }
    case 'diskgroup': {
      const dg = pool.diskGroups.find((x) => x.id === sel.id);
      if (!dg) return null;
      return (
        <>
          <h3>Disk group {dg.name}</h3>
          <Row label="id">{dg.id}</Row>
          <Row label="disks">{dg.diskIds.join(', ')}</Row>
          <Row label="size">{formatBytes(dg.sizeBytes)}</Row>
          <Row label="free">{formatBytes(dg.freeBytes)}</Row>
          <Row label="volumes">{pool.volumes.filter((v) => v.diskGroupId === dg.id).length}</Row>
        </>
      );
    }
  }
}

export function Inspector() {
  const sel = useXdc((s) => s.selection);
  const pool = useXdc((s) => s.pool);
  return (
    <section className="panel inspector" data-testid="inspector">
      <h2>Inspector</h2>
      {!sel || !pool ? (
        <div className="muted">Select a host, guest, volume, snapshot or disk on the canvas.</div>
      ) : (
        <Body sel={sel} pool={pool} />
      )}
    </section>
  );
}
