/**
 * Keyboard shortcuts: one table, shown as-is in the help overlay (`?`), matched by a pure
 * function. Single-key shortcuts never fire while the user types in a field or a terminal.
 */
export type ShortcutAction =
  | 'lab.new'
  | 'lab.open'
  | 'lab.save'
  | 'lab.saveAs'
  | 'terminal.open'
  | 'view.fit'
  | 'clock.toggle'
  | 'clock.1x'
  | 'clock.10x'
  | 'clock.100x'
  | 'invariants.check'
  | 'events.focus'
  | 'help.toggle'
  | 'escape';

export interface Shortcut {
  action: ShortcutAction;
  keys: string;
  label: string;
  /** Matches KeyboardEvent.key (case-insensitive for letters). */
  key: string;
  ctrl?: boolean;
  shift?: boolean;
  /** Also fires while focus is in a text field or terminal. */
  global?: boolean;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'lab.new', keys: 'Ctrl+N', label: 'New lab', key: 'n', ctrl: true, global: true },
  { action: 'lab.open', keys: 'Ctrl+O', label: 'Open lab…', key: 'o', ctrl: true, global: true },
  { action: 'lab.save', keys: 'Ctrl+S', label: 'Save lab', key: 's', ctrl: true, global: true },
  {
    action: 'lab.saveAs',
    keys: 'Ctrl+Shift+S',
    label: 'Save lab as…',
    key: 's',
    ctrl: true,
    shift: true,
    global: true,
  },
  {
    action: 'terminal.open',
    keys: 'Ctrl+`',
    label: 'Terminal for the selected guest',
    key: '`',
    ctrl: true,
    global: true,
  },
  { action: 'view.fit', keys: 'F', label: 'Fit the topology to the view', key: 'f' },
  { action: 'clock.toggle', keys: 'Space', label: 'Pause / resume the pool clock', key: ' ' },
  { action: 'clock.1x', keys: '1', label: 'Clock at 1x', key: '1' },
  { action: 'clock.10x', keys: '2', label: 'Clock at 10x', key: '2' },
  { action: 'clock.100x', keys: '3', label: 'Clock at 100x', key: '3' },
  { action: 'invariants.check', keys: 'I', label: 'Check invariants now', key: 'i' },
  { action: 'events.focus', keys: 'E', label: 'Filter the event log', key: 'e' },
  { action: 'help.toggle', keys: '?', label: 'This help', key: '?' },
  {
    action: 'escape',
    keys: 'Esc',
    label: 'Close menus and dialogs, clear selection',
    key: 'Escape',
    global: true,
  },
];

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Which action a key press means, given whether focus is in a text field or terminal. */
export function matchShortcut(e: KeyLike, typing: boolean): ShortcutAction | null {
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.altKey) return null;
  for (const s of SHORTCUTS) {
    if (typing && !s.global) continue;
    if (Boolean(s.ctrl) !== ctrl) continue;
    const letter = s.key.length === 1 && /[a-z]/.test(s.key);
    if (letter) {
      if (e.key.toLowerCase() !== s.key) continue;
      if (Boolean(s.shift) !== e.shiftKey) continue;
    } else if (e.key !== s.key) continue;
    return s.action;
  }
  return null;
}
