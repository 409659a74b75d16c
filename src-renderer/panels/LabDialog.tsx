/** Browser mode's folder dialog for New / Open / Save As (Electron uses the native picker instead). */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useServices, useXdc } from '../context';

const TITLES = { new: 'New lab', open: 'Open lab', 'save-as': 'Save lab as' } as const;
const HINTS = {
  new: 'A folder for the new lab (created if missing; it must be empty).',
  open: 'The folder of an existing lab.',
  'save-as': 'A new folder: the lab is copied there and continues there.',
} as const;

export function LabDialog() {
  const { actions, store } = useServices();
  const purpose = useXdc((s) => s.labDialog);
  const lab = useXdc((s) => s.lab);
  const [dir, setDir] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!purpose) return;
    setDir(purpose === 'open' ? (lab?.recent[0] ?? '') : '');
    setTimeout(() => input.current?.focus(), 0);
  }, [purpose, lab]);

  if (!purpose) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!dir.trim()) return;
    setBusy(true);
    await actions.applyLabFolder(purpose, dir.trim());
    setBusy(false);
  };
  return (
    <div className="overlay">
      <button
        type="button"
        className="backdrop"
        aria-label="cancel"
        onMouseDown={() => store.getState().setLabDialog(null)}
      />
      <form className="dialog" data-testid="lab-dialog" data-purpose={purpose} onSubmit={submit}>
        <h2>{TITLES[purpose]}</h2>
        <label htmlFor="lab-dir">Folder path</label>
        <input
          id="lab-dir"
          ref={input}
          data-testid="lab-dialog-path"
          value={dir}
          placeholder="/home/me/labs/my-pool"
          onChange={(e) => setDir(e.target.value)}
          spellCheck={false}
        />
        <div className="muted small">{HINTS[purpose]}</div>
        {purpose === 'open' && lab && lab.recent.length > 0 && (
          <div className="recent-list">
            <div className="small muted">Recent</div>
            {lab.recent.map((r) => (
              <button type="button" key={r} className="link" onClick={() => setDir(r)}>
                {r}
              </button>
            ))}
          </div>
        )}
        <div className="dialog-buttons">
          <button
            type="button"
            data-testid="lab-dialog-cancel"
            onClick={() => store.getState().setLabDialog(null)}
          >
            Cancel
          </button>
          <button
            type="submit"
            className="primary"
            data-testid="lab-dialog-ok"
            disabled={busy || !dir.trim()}
          >
            {purpose === 'save-as' ? 'Save' : purpose === 'new' ? 'Create' : 'Open'}
          </button>
        </div>
      </form>
    </div>
  );
}
