/**
 * A throwaway central server for network tests: a lab folder under the OS temp dir, its real
 * database and a VRTSat broker whose wall clock the test moves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthBroker } from '../../../src-main/pool/central/auth';
import { CentralDb } from '../../../src-main/pool/central/db';
import { CentralRepos } from '../../../src-main/pool/central/repos';

export interface CentralFixture {
  labDir: string;
  db: CentralDb;
  repos: CentralRepos;
  broker: AuthBroker;
  wall: { now: number };
  dispose(): void;
}

/** Cheap scrypt so a test can log in many times; the production cost is set in passwords.ts. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

export function centralFixture(opts: { tokenTtlMs?: number } = {}): CentralFixture {
  const labDir = mkdtempSync(join(tmpdir(), 'xdc-central-'));
  const db = CentralDb.open(labDir);
  const repos = new CentralRepos(db);
  const wall = { now: 1_700_000_000_000 };
  const broker = new AuthBroker(repos, {
    now: () => wall.now,
    scrypt: TEST_SCRYPT,
    tokenTtlMs: opts.tokenTtlMs,
  });
  const fixture: CentralFixture = {
    labDir,
    db,
    repos,
    broker,
    wall,
    dispose() {
      db.close();
      fixture.db.close();
      rmSync(labDir, { recursive: true, force: true });
    },
  };
  return fixture;
}
