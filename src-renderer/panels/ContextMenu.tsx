/** Right-click menu on canvas objects: terminals, migration targets and fault injection. */
import type { ReactNode } from 'react';
import type { FaultKind } from '../../src-main/api/contract';
import { useServices, useXdc } from '../context';

function Item({
  action,
  children,
  onClick,
  disabled,
}: {
  action: string;
  children: ReactNode;
  onClick: () => void;
  disabled?: boolean;
}) {
  return (
    <button
      type="button"
      className="menu-item"
      data-testid={`ctx-${action}`}
      disabled={disabled}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

export function ContextMenu() {
  const { store, actions } = useServices();
  const menu = useXdc((s) => s.contextMenu);
  const pool = useXdc((s) => s.pool);
  if (!menu || !pool) return null;
  const close = () => store.getState().setContextMenu(null);
  const fault = (kind: FaultKind) => () => {
    close();
    void actions.fault(kind, menu.id);
  };
  let items: ReactNode = null;
  if (menu.kind === 'host') {
    const h = pool.hosts.find((x) => x.id === menu.id);
    if (!h) return null;
    items = (
      <>
        <div className="menu-title">{h.name}</div>
        <Item action="host-crash" disabled={h.state === 'down'} onClick={fault('host-crash')}>
          Crash host
        </Item>
        <Item action="host-restore" disabled={h.state !== 'down'} onClick={fault('host-restore')}>
          Restore host
        </Item>
        <Item action="partition" disabled={h.state === 'partitioned'} onClick={fault('partition')}>
          Partition from the network
        </Item>
        <Item action="heal" disabled={h.state !== 'partitioned'} onClick={fault('heal')}>
          Heal partition
        </Item>
      </>
    );
  } else if (menu.kind === 'guest') {
    const g = pool.guests.find((x) => x.id === menu.id);
    if (!g) return null;
    items = (
      <>
        <div className="menu-title">{g.central ? `${g.name} (central server)` : g.name}</div>
        {!g.central && (
          <Item
            action="terminal"
            onClick={() => {
              close();
              store.getState().openTerminal(g.id);
            }}
          >
            Open terminal
          </Item>
        )}
        {pool.hosts
          .filter((h) => h.id !== g.hostId && !g.central)
          .map((h) => (
            <Item
              key={h.id}
              action={`migrate-${h.id}`}
              onClick={() => {
                close();
                void actions.migrate(g.id, h.id);
              }}
            >
              Migrate to {h.name}
            </Item>
          ))}
        <Item action="partition" disabled={!g.reachable} onClick={fault('partition')}>
          Partition guest
        </Item>
        <Item action="heal" disabled={g.reachable} onClick={fault('heal')}>
          Heal guest
        </Item>
      </>
    );
  } else if (menu.kind === 'disk') {
    const d = pool.disks.find((x) => x.id === menu.id);
    if (!d) return null;
    items = (
      <>
        <div className="menu-title">{d.name}</div>
        <Item action="disk-fail" disabled={d.state === 'failed'} onClick={fault('disk-fail')}>
          Fail disk
        </Item>
        <Item action="disk-restore" disabled={d.state !== 'failed'} onClick={fault('disk-restore')}>
          Restore disk
        </Item>
      </>
    );
  } else {
    return null;
  }
  return (
    <div className="overlay transparent">
      <button
        type="button"
        className="backdrop"
        aria-label="close the menu"
        onMouseDown={close}
        onContextMenu={(e) => {
          e.preventDefault();
          close();
        }}
      />
      <div
        className="context-menu"
        role="menu"
        data-testid="context-menu"
        style={{ left: menu.x, top: menu.y }}
      >
        {items}
      </div>
    </div>
  );
}
