/**
 * The managed host's xprtld routes: what the central server (storage manager, API service)
 * may ask of a guest. DCLI and discovery need role operator; management scripts only from the
 * central server's node (the admin check is made there, on the user who asked).
 */
import { z } from 'zod';
import { XdcError } from '../errors';
import type { Xprtld } from '../net/xprtld';
import { parseBody } from './wire';

export const GuestRoutes = {
  discover: '/xdc/v1/agentlet/discover',
  dcli: '/xdc/v1/dcli',
  complete: '/xdc/v1/dcli/complete',
  script: (name: string) => `/xdc/v1/scripts/${encodeURIComponent(name)}`,
} as const;

/** What the routes call: the ManagedHost. */
export interface GuestRouteTarget {
  readonly centralNodeId: string;
  discover(): Promise<unknown>;
  runDcli(line: string): Promise<{ exitCode: number; output: string }>;
  complete(line: string): { candidates: string[]; replaceFrom: number };
  runScript(name: string, args: Record<string, string>): Promise<{ exitCode: number; output: string }>;
}

const LineBody = z.object({ line: z.string().max(4096) });
const ScriptArgs = z.record(z.string(), z.string());
/** `{"args": {"app": "SG1"}}`, or the arguments themselves (`{"app": "SG1"}`); no body = no arguments. */
function scriptArgs(body: unknown): Record<string, string> {
  if (body === undefined || body === null) return {};
  if (typeof body === 'object' && 'args' in body)
    return parseBody(ScriptArgs, (body as { args: unknown }).args, 'script args');
  return parseBody(ScriptArgs, body, 'script args');
}

/**
 * Registers the routes once per xprtld; they call whichever target is current, so a guest that
 * is restarted (new ManagedHost, same node) answers with its new self.
 */
const targets = new WeakMap<Xprtld, GuestRouteTarget | null>();

export function registerGuestRoutes(x: Xprtld, target: GuestRouteTarget): void {
  const known = targets.has(x);
  targets.set(x, target);
  if (known) return;
  const current = (): GuestRouteTarget => {
    const t = targets.get(x);
    if (!t) throw new XdcError('ERR_HOST_DOWN', `the managed host on ${x.nodeId} is not running`);
    return t;
  };
  x.route('GET', GuestRoutes.discover, () => current().discover(), { role: 'operator' });
  x.route('POST', GuestRoutes.dcli, (ctx) => current().runDcli(parseBody(LineBody, ctx.body, 'dcli').line), {
    role: 'operator',
  });
  x.route(
    'POST',
    GuestRoutes.complete,
    (ctx) => current().complete(parseBody(LineBody, ctx.body, 'dcli complete').line),
    {
      role: 'operator',
    },
  );
  x.route(
    'POST',
    '/xdc/v1/scripts/{name}',
    (ctx) => {
      const t = current();
      if (ctx.caller?.nodeId !== t.centralNodeId) {
        throw new XdcError(
          'ERR_FORBIDDEN',
          `management scripts are run only by the central server, not ${ctx.caller?.principal ?? 'anonymous'}`,
        );
      }
      return t.runScript(ctx.params.name!, scriptArgs(ctx.body));
    },
    { role: 'node' },
  );
}

/** The guest stopped (host crash, lab close): its routes answer ERR_HOST_DOWN until it starts again. */
export function unregisterGuestRoutes(x: Xprtld, target: GuestRouteTarget): void {
  if (targets.get(x) === target) targets.set(x, null);
}
