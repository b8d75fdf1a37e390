import type { DatasetSummary, SavedRunSummary } from '../worker/protocol';
import { objectiveSpec } from '../core/registry';

/** The most recently saved comparison, or undefined. */
export function lastSaved(saved: SavedRunSummary[]): SavedRunSummary | undefined {
  return [...saved].sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0];
}

/**
 * On the first screen after a reload (no run yet): the last saved comparison, one click from where it stopped. When
 * it trained on other data, it says which data to load first.
 */
export function ResumeOffer({
  saved,
  dataset,
  busy,
  onResume,
  onDismiss,
}: {
  saved: SavedRunSummary;
  dataset?: DatasetSummary;
  busy: boolean;
  onResume: (id: string) => void;
  onDismiss: () => void;
}) {
  const step = Math.min(...saved.steps);
  const sameData = dataset !== undefined && dataset.name === saved.dataset.name && dataset.size === saved.dataset.size;
  const what = saved.objectives.map((o) => objectiveSpec(o).label).join(' vs ');
  return (
    <div className="resume-offer" data-testid="resume-offer" role="region" aria-label="Resume the last run">
      <span>
        Your last run: <b>{what}</b> on {saved.dataset.name}, stopped at step {step}
        <small> (saved {new Date(saved.savedAt).toLocaleString()})</small>
      </span>
      {sameData ? (
        <button className="primary" disabled={busy} onClick={() => onResume(saved.id)} data-testid="resume-last">
          Resume {what} at step {step}
        </button>
      ) : (
        <small>Load {saved.dataset.name} ({saved.dataset.size} images) to resume it.</small>
      )}
      <button className="link" onClick={onDismiss} aria-label="start fresh instead" data-testid="resume-dismiss">
        Start fresh
      </button>
    </div>
  );
}
