/**
 * Child process for the crash test: opens the lab database, starts a transaction big enough to
 * spill into the database file (tiny page cache), and is killed with SIGKILL before COMMIT.
 * Usage: tsx kill-mid-transaction.ts <labDir>
 */
import { CentralDb } from '../../../src-main/pool/central/db';

const labDir = process.argv[2];
if (!labDir) throw new Error('usage: kill-mid-transaction <labDir>');
const db = CentralDb.open(labDir);
db.exec('PRAGMA cache_size = 5');
db.transaction(() => {
  for (let i = 0; i < 400; i++) {
    db.run('INSERT INTO events (time, kind, source, subject, message, data) VALUES (?, ?, ?, ?, ?, ?)', [
      i,
      'uncommitted',
      'child',
      null,
      'x'.repeat(500),
      null,
    ]);
  }
  process.kill(process.pid, 'SIGKILL');
});
