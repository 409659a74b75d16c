import { it } from 'vitest';
import { ADMIN, openTestPool } from '../../support/pool-fixture';
import { untilDone } from './helpers';

it('prof', async () => {
  const t = await openTestPool();
  await t.clock.advance(100);
  const t0 = performance.now();
  t.pool.subscribe((e) => {
    if (e.kind.startsWith('migration'))
      console.log(
        (performance.now() - t0).toFixed(1),
        e.time.toFixed(1),
        e.kind,
        e.data?.phase,
        e.data?.state,
      );
  });
  const job = t.pool.migrate('g3', 'h3', ADMIN);
  await untilDone(t, job);
  console.log('total', performance.now() - t0);
  await t.close();
});
