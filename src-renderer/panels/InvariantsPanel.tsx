/** The invariants panel: green when every check holds, otherwise the failing check and the objects at fault. */
import { useServices, useXdc } from '../context';

export function InvariantsPanel() {
  const { actions } = useServices();
  const report = useXdc((s) => s.invariants);
  const error = useXdc((s) => s.invariantsError);
  const ok = report?.ok ?? false;
  return (
    <section
      className={`panel invariants ${report ? (ok ? 'ok' : 'bad') : ''}`}
      data-testid="invariants"
      data-ok={report ? String(ok) : ''}
    >
      <h2>
        Invariants
        <button
          type="button"
          className="link"
          onClick={() => void actions.checkInvariants()}
          title="check now (I)"
        >
          check
        </button>
      </h2>
      {!report && <div className="muted">{error ?? 'checking…'}</div>}
      {report && ok && <div className="inv-ok">✔ all {report.checks.length} invariants hold</div>}
      {report?.checks
        .filter((c) => !ok || !c.ok)
        .map((c) => (
          <div
            key={c.name}
            className={`inv-check ${c.ok ? 'ok' : 'bad'}`}
            data-testid={`invariant-${c.name}`}
            data-ok={String(c.ok)}
          >
            <span>{c.ok ? '✔' : '✘'}</span> <b>{c.name}</b>
            {!c.ok && (
              <div className="small">
                {c.detail}
                {c.subjects.length > 0 && <span className="mono"> — {c.subjects.join(', ')}</span>}
              </div>
            )}
          </div>
        ))}
      {report && ok && <div className="muted small">{report.checks.map((c) => c.name).join(' · ')}</div>}
      {error && report && <div className="small error-text">{error}</div>}
    </section>
  );
}
