/** The terminal tabs: one pane per open guest terminal, all mounted, only the active one shown. */
import { useEffect, useRef } from 'react';
import { useServices, useXdc } from '../context';
import type { TerminalRegistry } from './session';

function TerminalPane({
  guestId,
  active,
  registry,
}: {
  guestId: string;
  active: boolean;
  registry: TerminalRegistry;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const session = registry.get(guestId);
    session.attach(el);
    return () => session.detach();
  }, [guestId, registry]);
  useEffect(() => {
    if (active) registry.get(guestId).focus();
  }, [active, guestId, registry]);
  return (
    <div
      className={`terminal-pane${active ? ' active' : ''}`}
      data-testid={`terminal-${guestId}`}
      data-active={active ? 'true' : 'false'}
      ref={ref}
    />
  );
}

export function TerminalDock({ registry }: { registry: TerminalRegistry }) {
  const { store } = useServices();
  const tabs = useXdc((s) => s.terminalTabs);
  const active = useXdc((s) => s.activeTerminal);
  const names = useXdc((s) => s.pool?.guests.map((g) => `${g.id}\t${g.name}`).join('\n') ?? '');
  const nameOf = (id: string) =>
    names
      .split('\n')
      .find((l) => l.startsWith(`${id}\t`))
      ?.split('\t')[1] ?? id;

  const close = (guestId: string) => {
    registry.close(guestId);
    store.getState().closeTerminal(guestId);
  };

  if (tabs.length === 0) {
    return (
      <div className="terminal-empty muted">
        Double-click a guest (or select it and press Ctrl+`) to open its DCLI terminal.
      </div>
    );
  }
  return (
    <div className="terminal-dock">
      <div className="terminal-tabs" role="tablist">
        {tabs.map((id) => (
          <div key={id} className={`terminal-tab${id === active ? ' active' : ''}`}>
            <button
              type="button"
              role="tab"
              aria-selected={id === active}
              data-testid={`terminal-tab-${id}`}
              onClick={() => store.getState().showTerminal(id)}
            >
              {nameOf(id)}
            </button>
            <button
              type="button"
              className="tab-close"
              data-testid={`terminal-close-${id}`}
              title="close"
              onClick={() => close(id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
      <div className="terminal-panes">
        {tabs.map((id) => (
          <TerminalPane key={id} guestId={id} active={id === active} registry={registry} />
        ))}
      </div>
    </div>
  );
}
