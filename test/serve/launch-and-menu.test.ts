import { describe, expect, it } from 'vitest';
import { DEFAULT_ISCSI_PORT, launchArgsOf, parseLaunchArgs } from '../../src-main/app/launch-options';
import { buildMenuTemplate, type MenuState } from '../../src-main/app/menu';
import type { MenuCommand } from '../../src-main/app/menu-commands';

describe('npm start flags', () => {
  it('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(
      parseLaunchArgs([
        '--lab',
        '/labs/two',
        '--port=8443',
        '--ui-port',
        '0',
        '--iscsi',
        '3261',
        '--browser',
      ]),
    ).toEqual({
      labDir: '/labs/two',
      port: 8443,
      uiPort: 0,
      iscsiPort: 3261,
      browser: true,
      help: false,
    });
    expect(parseLaunchArgs(['--iscsi']).iscsiPort).toBe(DEFAULT_ISCSI_PORT);
    expect(parseLaunchArgs(['--iscsi', '--browser'])).toMatchObject({
      iscsiPort: DEFAULT_ISCSI_PORT,
      browser: true,
    });
    expect(parseLaunchArgs(['--help']).help).toBe(true);
    expect(parseLaunchArgs([])).toEqual({ browser: false, help: false });
  });

  it('explains a bad command line in one sentence', () => {
    expect(() => parseLaunchArgs(['--port', 'http'])).toThrow(
      '--port needs a port number 1-65535, not "http"',
    );
    expect(() => parseLaunchArgs(['--port', '70000'])).toThrow('--port needs a port number');
    expect(() => parseLaunchArgs(['--port', '0'])).toThrow('--port needs a port number');
    expect(() => parseLaunchArgs(['--lab'])).toThrow('--lab needs a value');
    expect(() => parseLaunchArgs(['--lab', '--browser'])).toThrow('--lab needs a value');
    expect(() => parseLaunchArgs(['--frobnicate'])).toThrow(
      'unknown option "--frobnicate" (npm start -- --help lists the options)',
    );
  });

  it('skips Chromium switches inside Electron, and hands the same options on to it', () => {
    const options = parseLaunchArgs(['--lab', '/l', '--enable-logging', '--iscsi', '3260'], {
      ignoreUnknown: true,
    });
    expect(options).toMatchObject({ labDir: '/l', iscsiPort: 3260 });
    expect(parseLaunchArgs(launchArgsOf(options))).toEqual({ ...options, browser: false, help: false });
  });
});

describe('the application menu', () => {
  const state: MenuState = {
    recentLabs: ['/labs/a', '/labs/b'],
    clockSpeed: 10,
    platform: 'linux',
    developer: false,
  };

  function build(s: MenuState) {
    const sent: MenuCommand[] = [];
    const template = buildMenuTemplate(s, (c) => sent.push(c));
    const menu = (label: string) => {
      const found = template.find((m) => m.label === label);
      if (!found || !Array.isArray(found.submenu)) throw new Error(`no ${label} menu`);
      return found.submenu;
    };
    const click = (label: string, item: string) => {
      const entry = menu(label).find((i) => i.label === item);
      if (!entry?.click) throw new Error(`no ${label} > ${item}`);
      (entry.click as () => void)();
    };
    return { template, sent, menu, click };
  }

  it('sends File, View and Pool commands to the renderer', () => {
    const m = build(state);
    m.click('File', 'New Lab…');
    m.click('File', 'Open Lab…');
    m.click('File', 'Save');
    m.click('File', 'Save As…');
    m.click('View', 'Fit Pool to Window');
    m.click('View', 'Zoom In');
    m.click('Pool', '100×');
    m.click('Pool', 'Pause');
    expect(m.sent).toEqual([
      { type: 'lab.new' },
      { type: 'lab.open' },
      { type: 'lab.save' },
      { type: 'lab.saveAs' },
      { type: 'view.fit' },
      { type: 'view.zoomIn' },
      { type: 'clock.speed', speed: 100 },
      { type: 'clock.speed', speed: 0 },
    ]);
    expect(m.menu('File').find((i) => i.label === 'Save')?.accelerator).toBe('CmdOrCtrl+S');
  });

  it('lists recent labs, ticks the current clock speed, and hides developer tools when packaged', () => {
    const m = build(state);
    const recent = m.menu('File').find((i) => i.label === 'Open Recent')?.submenu;
    expect(Array.isArray(recent) && recent.map((i) => i.label)).toEqual(['/labs/a', '/labs/b']);
    const second = Array.isArray(recent) ? recent[1]?.click : undefined;
    if (!second) throw new Error('no second recent lab');
    (second as () => void)();
    expect(m.sent).toEqual([{ type: 'lab.openRecent', dir: '/labs/b' }]);
    expect(
      m
        .menu('Pool')
        .filter((i) => i.checked)
        .map((i) => i.label),
    ).toEqual(['10×']);
    expect(JSON.stringify(m.template)).not.toContain('toggleDevTools');
    const dev = build({ ...state, recentLabs: [], developer: true });
    expect(JSON.stringify(dev.template)).toContain('toggleDevTools');
    const empty = dev.menu('File').find((i) => i.label === 'Open Recent')?.submenu;
    expect(Array.isArray(empty) && empty[0]).toMatchObject({ label: 'No recent labs', enabled: false });
  });
});
