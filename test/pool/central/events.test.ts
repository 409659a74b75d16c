import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolEvent } from '../../../src-main/api/contract';
import { CentralDb } from '../../../src-main/pool/central/db';
import { type EventInput, EventLog } from '../../../src-main/pool/central/events';

const ev = (kind: string, time: number, subject: string | null = null): EventInput => ({
  time,
  kind,
  source: 'h1',
  subject,
  message: `${kind} at ${time}`,
  data: { time },
});

describe('the event log', () => {
  let labDir: string;
  let db: CentralDb;
  beforeEach(() => {
    labDir = mkdtempSync(join(tmpdir(), 'xdc-events-'));
    db = CentralDb.open(labDir);
  });
  afterEach(() => {
    db.close();
    rmSync(labDir, { recursive: true, force: true });
  });

  it('numbers events 1, 2, 3 ... and reads them back after a seq, by kind, with a limit', () => {
    const log = new EventLog(db);
    const a = log.append(ev('migration.phase', 10, 'g1'));
    log.append(ev('fault', 11));
    log.append(ev('migration.phase', 12, 'g1'));
    log.append(ev('migration.phase', 13, 'g1'));
    expect(a).toEqual({
      seq: 1,
      time: 10,
      kind: 'migration.phase',
      source: 'h1',
      subject: 'g1',
      message: 'migration.phase at 10',
      data: { time: 10 },
    });
    expect(log.seq).toBe(4);
    expect(log.after(1).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(log.after(0, 2).map((e) => e.seq)).toEqual([1, 2]);
    expect(log.after(1, 10, 'migration.phase').map((e) => e.seq)).toEqual([3, 4]);
    expect(log.after(4)).toEqual([]);
  });

  it('subscribers see each event once it is recorded; unsubscribing stops them; a throwing one harms no one', () => {
    const log = new EventLog(db);
    const seen: number[] = [];
    log.subscribe(() => {
      throw new Error('broken stream');
    });
    const stop = log.subscribe((e) => seen.push(e.seq));
    log.append(ev('a', 1));
    log.appendMany([ev('b', 2), ev('c', 3)]);
    stop();
    log.append(ev('d', 4));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('events survive a reopen and numbering continues', () => {
    const log = new EventLog(db);
    log.appendMany([ev('a', 1), ev('b', 2), ev('c', 3)]);
    db.close();
    db = CentralDb.open(labDir);
    const again = new EventLog(db);
    expect(again.seq).toBe(3);
    expect(again.after(0).map((e) => e.kind)).toEqual(['a', 'b', 'c']);
    expect(again.append(ev('d', 4)).seq).toBe(4);
  });

  it('an event recorded inside a change that rolls back is neither stored nor announced', () => {
    const log = new EventLog(db);
    const seen: PoolEvent[] = [];
    log.subscribe((e) => seen.push(e));
    expect(() =>
      db.transaction(() => {
        log.append(ev('volume.created', 1, 'vdi-1'));
        throw new Error('disk group full');
      }),
    ).toThrow('disk group full');
    expect(seen).toEqual([]);
    expect(log.after(0)).toEqual([]);
    db.transaction(() => {
      log.append(ev('volume.created', 2, 'vdi-2'));
      expect(seen).toEqual([]);
    });
    expect(seen.map((e) => e.subject)).toEqual(['vdi-2']);
    expect(seen[0]!.seq).toBeGreaterThan(0);
  });

  it('reads older than the in-memory ring come from the database', () => {
    const log = new EventLog(db, 5);
    log.appendMany(Array.from({ length: 12 }, (_, i) => ev(i % 2 ? 'odd' : 'even', i)));
    expect(log.after(0, 100).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(log.after(2, 3).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(log.after(8, 100, 'odd').map((e) => e.seq)).toEqual([10, 12]);
    expect(log.after(0, 100, 'even').map((e) => e.time)).toEqual([0, 2, 4, 6, 8, 10]);
  });
});
