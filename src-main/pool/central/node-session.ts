/**
 * A node's VRTSat session: the credentials a node presents on every fabric call. It logs in
 * with the node's boot secret and logs in again shortly before the token expires, so a node
 * that runs for days never presents an expired token.
 */
import type { NodeCredentials } from '../net/fabric';
import type { AuthBroker, LoginResult } from './auth';

export class NodeSession implements NodeCredentials {
  private current: LoginResult;

  constructor(
    private readonly broker: AuthBroker,
    readonly nodeId: string,
    private readonly secret: string,
    private readonly now: () => number = Date.now,
    /** Renew when less than this much wall time is left. */
    private readonly renewBeforeMs = 5 * 60_000,
  ) {
    this.current = broker.loginNode(nodeId, secret);
  }

  get token(): string {
    if (this.current.expiresAt - this.now() < this.renewBeforeMs)
      this.current = this.broker.loginNode(this.nodeId, this.secret);
    return this.current.token;
  }
}
