/** React access to the one client, store and actions of this window. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Actions } from './actions';
import type { ApiClient } from './api/client';
import type { XdcState, XdcStore } from './state/store';

export interface AppServices {
  client: ApiClient;
  store: XdcStore;
  actions: Actions;
}

export const AppContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('XDC services are missing: render inside <AppContext.Provider>');
  return services;
}

/** Select a few fields of the store; the component re-renders only when they change. */
export function useXdc<T>(selector: (s: XdcState) => T): T {
  return useStore(useServices().store, selector);
}
