/** The `?` overlay: every keyboard shortcut, straight from the shortcut table, plus the mouse gestures. */
import { useServices, useXdc } from '../context';
import { SHORTCUTS } from '../keyboard/shortcuts';

export function HelpOverlay() {
  const { store } = useServices();
  const open = useXdc((s) => s.helpOpen);
  if (!open) return null;
  return (
    <div className="overlay">
      <button
        type="button"
        className="backdrop"
        aria-label="close help"
        onMouseDown={() => store.getState().setHelpOpen(false)}
      />
      <div className="dialog help" role="dialog" data-testid="help-overlay">
        <h2>Keyboard and mouse</h2>
        <table className="mini">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.action}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.label}</td>
              </tr>
            ))}
            <tr>
              <td>drag a guest</td>
              <td>onto another host: live migration (the host shows whether the drop is allowed)</td>
            </tr>
            <tr>
              <td>double-click a guest</td>
              <td>open its DCLI terminal</td>
            </tr>
            <tr>
              <td>right-click</td>
              <td>faults: crash/restore a host, partition/heal a host or guest, fail/restore a disk</td>
            </tr>
            <tr>
              <td>in a terminal</td>
              <td>
                ←/→ Home/End, Backspace/Delete, Ctrl-A/E/U/K/W, ↑/↓ history, Tab completion, Ctrl-C, Ctrl-L
              </td>
            </tr>
          </tbody>
        </table>
        <div className="dialog-buttons">
          <button type="button" className="primary" onClick={() => store.getState().setHelpOpen(false)}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
