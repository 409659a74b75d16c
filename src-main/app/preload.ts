/**
 * The preload script of the sandboxed window. It runs with only Electron's renderer modules and
 * exposes window.xdc (bridge.ts) through contextBridge: never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { exposeBridge } from './bridge';

exposeBridge(contextBridge, ipcRenderer);
