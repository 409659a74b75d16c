import { describe, expect, it } from 'vitest';
import type { PoolEvent } from '../../src-main/api/contract';
import { IPC } from '../../src-main/api/wire';
import { BRIDGE_KEY, exposeBridge, type IpcRendererLike } from '../../src-main/app/bridge';
import { MENU_IPC, type MenuCommand, type XdcShellBridge } from '../../src-main/app/menu-commands';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** A fake ipcRenderer that records what the bridge sends and lets the test play main's part. */
function fakeIpc(answer: (channel: string, args: unknown[]) => unknown) {
  const listeners = new Map<string, Set<Listener>>();
  const invoked: Array<{ channel: string; args: unknown[] }> = [];
  const ipc: IpcRendererLike & { secretMethod(): void } = {
    async invoke(channel, ...args) {
      invoked.push({ channel, args });
      return answer(channel, args);
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(listener);
      return ipc;
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
      return ipc;
    },
    secretMethod() {},
  };
  const fromMain = (channel: string, payload: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: ipc, ports: [] }, payload);
  };
  return { ipc, invoked, fromMain, count: (channel: string) => listeners.get(channel)?.size ?? 0 };
}

function expose(answer: (channel: string, args: unknown[]) => unknown = () => null) {
  const fake = fakeIpc(answer);
  const exposed: Array<{ key: string; api: unknown }> = [];
  exposeBridge({ exposeInMainWorld: (key, api) => exposed.push({ key, api }) }, fake.ipc);
  expect(exposed).toHaveLength(1);
  return { ...fake, key: exposed[0]?.key, bridge: exposed[0]?.api as XdcShellBridge };
}

const event: PoolEvent = {
  seq: 4,
  time: 1200,
  kind: 'migration.phase',
  source: 'central',
  subject: 'g1',
  message: 'g1: handoff',
  data: null,
};

describe('the preload exposes window.xdc and nothing else', () => {
  it('puts exactly the bridge on window.xdc: no ipcRenderer, no channels, no extra keys', () => {
    const { key, bridge, ipc } = expose();
    expect(key).toBe(BRIDGE_KEY);
    expect(Object.keys(bridge).sort()).toEqual([
      'call',
      'onEvent',
      'onMenuCommand',
      'pickFolder',
      'transport',
    ]);
    expect(bridge.transport).toBe('ipc');
    expect(Object.values(bridge)).not.toContain(ipc);
    for (const value of Object.values(bridge)) {
      if (typeof value === 'function') expect(value).not.toBe(ipc.invoke);
    }
    expect(Object.isFrozen(bridge)).toBe(true);
    expect('secretMethod' in bridge).toBe(false);
  });

  it("sends a call on the one call channel and hands back main's outcome", async () => {
    const { bridge, invoked } = expose((channel, args) =>
      channel === IPC.call ? { ok: true, value: { echoed: args } } : null,
    );
    const outcome = await bridge.call('getPool', {});
    expect(outcome).toEqual({ ok: true, value: { echoed: ['getPool', {}] } });
    expect(invoked).toEqual([{ channel: IPC.call, args: ['getPool', {}] }]);
  });

  it('refuses a malformed op name without crossing to main', async () => {
    const { bridge, invoked } = expose();
    for (const op of ['', '__proto__', 'get Pool', 'x'.repeat(65), 42, null] as unknown[]) {
      const outcome = await bridge.call(op as 'getPool', {});
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error.code).toBe('ERR_BAD_REQUEST');
    }
    expect(invoked).toHaveLength(0);
  });

  it('turns a refusal by main into {code, message}', async () => {
    const { bridge } = expose(() => {
      throw new Error(
        "Error invoking remote method 'xdc:call': Error: ERR_FORBIDDEN: this message did not come from the XDC Lab window",
      );
    });
    expect(await bridge.call('getPool', {})).toEqual({
      ok: false,
      error: { code: 'ERR_FORBIDDEN', message: 'this message did not come from the XDC Lab window' },
    });
  });

  it('delivers pool events without the IPC event object, and stops after unsubscribe', () => {
    const { bridge, fromMain, count } = expose();
    const received: unknown[][] = [];
    const unsubscribe = bridge.onEvent((...args: unknown[]) => received.push(args));
    fromMain(IPC.event, event);
    fromMain(IPC.event, 'not an event');
    expect(received).toEqual([[event]]);
    unsubscribe();
    expect(count(IPC.event)).toBe(0);
    fromMain(IPC.event, event);
    expect(received).toHaveLength(1);
  });

  it('delivers menu commands and drops anything that is not one', () => {
    const { bridge, fromMain } = expose();
    const commands: MenuCommand[] = [];
    const off = bridge.onMenuCommand((c) => commands.push(c));
    fromMain(MENU_IPC, { type: 'clock.speed', speed: 10 });
    fromMain(MENU_IPC, { type: 'lab.openRecent', dir: '/labs/a' });
    fromMain(MENU_IPC, { type: 'shell.exec', cmd: 'rm' });
    fromMain(MENU_IPC, { type: 'clock.speed', speed: -1 });
    expect(commands).toEqual([
      { type: 'clock.speed', speed: 10 },
      { type: 'lab.openRecent', dir: '/labs/a' },
    ]);
    off();
  });

  it('asks main for a folder only for new, open or save-as', async () => {
    const { bridge, invoked } = expose((channel) =>
      channel === IPC.pickFolder ? '/home/me/labs/second' : null,
    );
    expect(await bridge.pickFolder('open')).toBe('/home/me/labs/second');
    await expect(bridge.pickFolder('delete' as 'open')).rejects.toThrow('unknown folder purpose');
    expect(invoked).toEqual([{ channel: IPC.pickFolder, args: ['open'] }]);
    expect(() => bridge.onEvent('nope' as unknown as () => void)).toThrow('the listener must be a function');
  });
});
