/**
 * VSS writers: the application side of an application-consistent snapshot. One writer per
 * application kind present (Microsoft Exchange Writer, SqlServerWriter), each with the
 * components (storage groups / databases) that live on the LUNs of the snapshot set. OnFreeze
 * stops the app's writes (they wait); OnThaw lets them go on.
 */
import type { AppWorkload } from '../apps';
import type { VssFaults } from './faults';

export const WRITER_NAMES = { exchange: 'Microsoft Exchange Writer', sqlserver: 'SqlServerWriter' } as const;

export interface WriterComponent {
  writer: string;
  app: AppWorkload;
}

export class WriterVeto extends Error {
  constructor(
    readonly writer: string,
    readonly appId: string,
  ) {
    super(`${writer} vetoed the freeze of ${appId} (VSS_E_WRITERERROR_RETRYABLE)`);
  }
}

/** GatherWriterMetadata: the components whose files are on any of `luns`. Offline apps have no running writer component. */
export function gatherWriterMetadata(
  apps: readonly AppWorkload[],
  luns: readonly number[],
): WriterComponent[] {
  return apps
    .filter((a) => a.state !== 'offline' && a.luns.some((l) => luns.includes(l)))
    .map((app) => ({ writer: WRITER_NAMES[app.kind], app }));
}

/** OnFreeze for each component in turn; a veto throws WriterVeto (already-frozen ones are the caller's to thaw). */
export async function freezeWriters(
  components: readonly WriterComponent[],
  faults: VssFaults,
  frozen: WriterComponent[],
): Promise<void> {
  for (const c of components) {
    if (faults.vetoApps.has(c.app.id)) throw new WriterVeto(c.writer, c.app.id);
    await c.app.freeze();
    frozen.push(c);
  }
}

export function thawWriters(frozen: readonly WriterComponent[]): void {
  for (const c of frozen) c.app.thaw();
}
