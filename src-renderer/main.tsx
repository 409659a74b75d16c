/**
 * Renderer entry: choose the transport (Electron bridge or browser-mode WebSocket), build the
 * one client, the store and the pool feed, then render. Everything else hangs off these.
 */
import '@xyflow/react/dist/style.css';
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createActions } from './actions';
import { chooseTransport } from './api/choose';
import { createApiClient } from './api/client';
import { listenToMenu } from './keyboard/menu-commands';
import { connectPoolFeed } from './state/feed';
import { createXdcStore } from './state/store';

declare global {
  interface Window {
    xdc?: unknown;
  }
}

const client = createApiClient(chooseTransport(window));
const store = createXdcStore();
store.getState().setConnection(client.status());
const feed = connectPoolFeed({ client, store });
const actions = createActions(client, store, feed);
listenToMenu(window.xdc, actions, store);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(<App services={{ client, store, actions }} />);

void feed.start().catch((e: unknown) => {
  store.getState().setPoolError(e instanceof Error ? e.message : String(e));
});
