/**
 * The lab's iSCSI export as the one API sees it: off by default, switched on by `--iscsi [port]`
 * or by the window's toggle, on 127.0.0.1 only. It serves whichever lab is open; opening another
 * lab ends the sessions logged in to the old one's guests.
 */
import { type ChapConfig, type IscsiPortal, startPoolIscsiTarget } from '../pool/iscsi';
import type { LabManager } from './labs';

export interface IscsiState {
  enabled: boolean;
  address: string | null;
  sessions: number;
}

export class IscsiControl {
  private portal: IscsiPortal | null = null;

  constructor(
    private readonly labs: LabManager,
    private readonly opts: { chap?: ChapConfig; log?: (line: string) => void },
  ) {
    labs.onSwitch(() => this.portal?.dropSessions('another lab was opened'));
  }

  state(): IscsiState {
    return {
      enabled: this.portal !== null,
      address: this.portal?.address ?? null,
      sessions: this.portal?.sessionInfo().length ?? 0,
    };
  }

  /** Starts the target (idempotent: an enabled target keeps its port). */
  async enable(port = 0): Promise<IscsiState> {
    if (!this.portal) {
      this.portal = await startPoolIscsiTarget({
        pool: () => this.labs.current(),
        port,
        chap: this.opts.chap,
        log: this.opts.log,
      });
    }
    return this.state();
  }

  async disable(): Promise<IscsiState> {
    const p = this.portal;
    this.portal = null;
    await p?.close();
    return this.state();
  }
}
