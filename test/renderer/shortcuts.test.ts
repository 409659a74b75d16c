import { describe, expect, it } from 'vitest';
import { matchShortcut } from '../../src-renderer/keyboard/shortcuts';

const key = (
  k: string,
  mods: Partial<{ ctrl: boolean; shift: boolean; meta: boolean; alt: boolean }> = {},
) => ({
  key: k,
  ctrlKey: mods.ctrl ?? false,
  shiftKey: mods.shift ?? false,
  metaKey: mods.meta ?? false,
  altKey: mods.alt ?? false,
});

describe('keyboard shortcuts', () => {
  it('Ctrl+S saves and Ctrl+Shift+S saves as, even while typing in a terminal', () => {
    expect(matchShortcut(key('s', { ctrl: true }), true)).toBe('lab.save');
    expect(matchShortcut(key('S', { ctrl: true, shift: true }), true)).toBe('lab.saveAs');
    expect(matchShortcut(key('o', { meta: true }), false)).toBe('lab.open');
  });

  it('single keys act on the canvas but not while typing', () => {
    expect(matchShortcut(key('f'), false)).toBe('view.fit');
    expect(matchShortcut(key(' '), false)).toBe('clock.toggle');
    expect(matchShortcut(key('?', { shift: true }), false)).toBe('help.toggle');
    expect(matchShortcut(key('f'), true)).toBeNull();
    expect(matchShortcut(key(' '), true)).toBeNull();
  });

  it('Ctrl+` opens a terminal; plain Ctrl+F or Alt combinations mean nothing', () => {
    expect(matchShortcut(key('`', { ctrl: true }), true)).toBe('terminal.open');
    expect(matchShortcut(key('f', { ctrl: true }), false)).toBeNull();
    expect(matchShortcut(key('s', { ctrl: true, alt: true }), false)).toBeNull();
  });
});
