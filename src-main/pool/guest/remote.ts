/**
 * Calling a managed host from the central server (the API service's path to a guest): DCLI
 * lines, completion, discovery and management scripts, over xprtld with the central node's
 * credentials. A guest that is down or partitioned does not answer: the call fails with
 * ERR_NODE_UNREACHABLE after the fabric timeout on the pool clock.
 */
import type { Fabric, NodeCredentials } from '../net/fabric';
import { GuestRoutes } from './routes';

export interface GuestOutcome {
  exitCode: number;
  output: string;
}

export class GuestRemote {
  constructor(
    private readonly fabric: Fabric,
    private readonly credentials: NodeCredentials,
  ) {}

  dcli(guestId: string, line: string): Promise<GuestOutcome> {
    return this.fabric.call<GuestOutcome>(
      this.credentials,
      guestId,
      'POST',
      GuestRoutes.dcli,
      { line },
      { timeoutMs: 120_000 },
    );
  }

  complete(guestId: string, line: string): Promise<{ candidates: string[]; replaceFrom: number }> {
    return this.fabric.call(this.credentials, guestId, 'POST', GuestRoutes.complete, { line });
  }

  discover(guestId: string): Promise<unknown> {
    return this.fabric.call(this.credentials, guestId, 'GET', GuestRoutes.discover);
  }

  runScript(guestId: string, name: string, args: Record<string, string>): Promise<GuestOutcome> {
    return this.fabric.call<GuestOutcome>(
      this.credentials,
      guestId,
      'POST',
      GuestRoutes.script(name),
      { args },
      { timeoutMs: 60_000 },
    );
  }
}
