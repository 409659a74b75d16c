/**
 * The application menu: File (lab folders), Edit (so copy/paste work in terminals), View (the
 * topology's fit and zoom), Pool (clock speed), Window, Help. Built as a plain template from the
 * menu's state so it can be rebuilt whenever the recent labs or the clock speed change.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../api/wire';

export interface MenuState {
  recentLabs: readonly string[];
  /** Current pool clock speed (0 = paused), to tick the right radio item. */
  clockSpeed: number | null;
  platform: NodeJS.Platform;
  /** Developer tools and reload only in unpackaged builds. */
  developer: boolean;
}

export const CLOCK_SPEEDS: ReadonlyArray<{ label: string; speed: number }> = [
  { label: 'Pause', speed: 0 },
  { label: '1×', speed: 1 },
  { label: '10×', speed: 10 },
  { label: '100×', speed: 100 },
];

const MAX_RECENT = 10;

export function buildMenuTemplate(
  state: MenuState,
  send: (command: MenuCommand) => void,
): MenuItemConstructorOptions[] {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => send(command),
  });
  const isMac = state.platform === 'darwin';
  const recent: MenuItemConstructorOptions[] =
    state.recentLabs.length === 0
      ? [{ label: 'No recent labs', enabled: false }]
      : state.recentLabs.slice(0, MAX_RECENT).map((dir) => item(dir, { type: 'lab.openRecent', dir }));

  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      item('New Lab…', { type: 'lab.new' }, 'CmdOrCtrl+N'),
      item('Open Lab…', { type: 'lab.open' }, 'CmdOrCtrl+O'),
      { label: 'Open Recent', submenu: recent },
      { type: 'separator' },
      item('Save', { type: 'lab.save' }, 'CmdOrCtrl+S'),
      item('Save As…', { type: 'lab.saveAs' }, 'CmdOrCtrl+Shift+S'),
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      item('Fit Pool to Window', { type: 'view.fit' }, 'CmdOrCtrl+0'),
      item('Zoom In', { type: 'view.zoomIn' }, 'CmdOrCtrl+='),
      item('Zoom Out', { type: 'view.zoomOut' }, 'CmdOrCtrl+-'),
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(state.developer
        ? ([
            { type: 'separator' },
            { role: 'reload' },
            { role: 'toggleDevTools' },
          ] satisfies MenuItemConstructorOptions[])
        : []),
    ],
  };
  const pool: MenuItemConstructorOptions = {
    label: 'Pool',
    submenu: [
      { label: 'Clock Speed', enabled: false },
      ...CLOCK_SPEEDS.map(
        ({ label, speed }): MenuItemConstructorOptions => ({
          label,
          type: 'radio',
          checked: state.clockSpeed === speed,
          click: () => send({ type: 'clock.speed', speed }),
        }),
      ),
    ],
  };
  return [
    ...(isMac ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    file,
    { role: 'editMenu' },
    view,
    pool,
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
}
