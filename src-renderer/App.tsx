/** The window: top bar, topology canvas, side panels, and the dock with the event log and terminals. */
import { ReactFlowProvider } from '@xyflow/react';
import { useMemo } from 'react';
import { TopologyCanvas } from './canvas/TopologyCanvas';
import { AppContext, type AppServices, useServices, useXdc } from './context';
import { useShortcuts } from './keyboard/useShortcuts';
import { ContextMenu } from './panels/ContextMenu';
import { EventLog } from './panels/EventLog';
import { HelpOverlay } from './panels/HelpOverlay';
import { Inspector } from './panels/Inspector';
import { InvariantsPanel } from './panels/InvariantsPanel';
import { JobsPanel } from './panels/JobsPanel';
import { LabDialog } from './panels/LabDialog';
import { Notices } from './panels/Notices';
import { TopBar } from './panels/TopBar';
import { TerminalRegistry } from './terminal/session';
import { TerminalDock } from './terminal/TerminalDock';

function Dock() {
  const { client, store } = useServices();
  const registry = useMemo(() => new TerminalRegistry(client, store), [client, store]);
  const tab = useXdc((s) => s.dockTab);
  const terminals = useXdc((s) => s.terminalTabs.length);
  return (
    <div className="dock">
      <div className="dock-tabs">
        <button
          type="button"
          data-testid="dock-events"
          className={tab === 'events' ? 'active' : ''}
          onClick={() => store.getState().setDockTab('events')}
        >
          Event log
        </button>
        <button
          type="button"
          data-testid="dock-terminals"
          className={tab === 'terminals' ? 'active' : ''}
          onClick={() => store.getState().setDockTab('terminals')}
        >
          Terminals{terminals > 0 ? ` (${terminals})` : ''}
        </button>
      </div>
      <div className={`dock-body${tab === 'events' ? '' : ' hidden'}`}>
        <EventLog />
      </div>
      <div className={`dock-body${tab === 'terminals' ? '' : ' hidden'}`}>
        <TerminalDock registry={registry} />
      </div>
    </div>
  );
}

function Shell() {
  const { actions, store } = useServices();
  useShortcuts(actions, store);
  const poolError = useXdc((s) => s.poolError);
  const hasPool = useXdc((s) => s.pool !== null);
  return (
    <div className="app">
      <TopBar />
      <div className="main">
        <div className="canvas-wrap">
          {hasPool ? (
            <ReactFlowProvider>
              <TopologyCanvas />
            </ReactFlowProvider>
          ) : (
            <div className="loading" data-testid="loading">
              {poolError ? `Cannot read the pool: ${poolError}` : 'Connecting to the lab…'}
            </div>
          )}
        </div>
        <aside className="sidebar">
          <Inspector />
          <InvariantsPanel />
          <JobsPanel />
        </aside>
      </div>
      <Dock />
      <ContextMenu />
      <LabDialog />
      <HelpOverlay />
      <Notices />
    </div>
  );
}

export function App({ services }: { services: AppServices }) {
  return (
    <AppContext.Provider value={services}>
      <Shell />
    </AppContext.Provider>
  );
}
