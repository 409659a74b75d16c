/** `dcli fence start` (vxfen in a guest, which fails for want of SCSI-3 PR) and the VSS lab knobs `dcli lab vss`. */
import { configureFencing } from '../fencing';
import { type Command, flag, ok, option, UsageError } from './command';

const fenceStart: Command = {
  words: ['fence', 'start'],
  args: [],
  options: [],
  summary: "start Veritas I/O fencing on this guest's LUNs (same as vxfenconfig -c)",
  details: [
    'Registers a key on every LUN with PERSISTENT RESERVE OUT. XDC virtual LUNs refuse it: fencing cannot work in a guest.',
  ],
  async run(host) {
    return configureFencing(host.hba, host.luns(), host.guestName);
  },
};

const labVss: Command = {
  words: ['lab', 'vss'],
  args: [],
  options: [
    { name: 'veto', value: 'app', help: "the app's VSS writer vetoes its freeze" },
    { name: 'provider-error', help: 'the hardware provider fails after Dom0 created the snapshots' },
    {
      name: 'provider-delay',
      value: 'ms',
      help: 'the provider waits this long (pool ms) before asking Dom0; over 10000 the freeze times out',
    },
    { name: 'clear', help: 'remove every VSS fault' },
  ],
  summary: 'lab faults for teaching VSS failures (no option: show the current ones)',
  details: [
    'Each failed snapshot leaves no snapshot behind and the application thawed; DCLI names the failed step.',
    '  dcli lab vss --veto SG1          writer veto at freeze',
    '  dcli lab vss --provider-error    provider error after commit (the set is deleted again)',
    '  dcli lab vss --provider-delay 12000   freeze longer than the 10 s VSS limit',
    '  dcli lab vss --clear',
  ],
  async run(host, inv) {
    const f = host.vssFaults;
    if (host.os !== 'windows')
      throw new UsageError('this Linux guest has no VSS; the VSS lab faults apply to Windows guests');
    if (flag(inv, 'clear')) {
      if (inv.options.size > 1) throw new UsageError('--clear cannot be combined with other options');
      f.clear();
      return ok('VSS lab faults cleared.');
    }
    const veto = option(inv, 'veto');
    if (veto !== undefined) f.vetoApps.add(host.resolveApp(veto).id);
    if (flag(inv, 'provider-error')) f.providerError = true;
    const delay = option(inv, 'provider-delay');
    if (delay !== undefined) {
      if (!/^\d{1,7}$/.test(delay))
        throw new UsageError(`--provider-delay ${delay}: expected milliseconds (0-9999999)`);
      f.providerDelayMs = Number(delay);
    }
    const now = f.describe();
    return ok(now.length ? `VSS lab faults:\n${now.map((l) => `  ${l}`).join('\n')}` : 'No VSS lab faults.');
  },
};

export const fenceLabCommands: Command[] = [fenceStart, labVss];
