import type { DatasetSummary, SavedRunSummary } from '../worker/protocol';
import { objectiveSpec } from '../core/registry';
import { markBidi } from '../data/validation';

/** The most recently saved comparison, or undefined. */
export function lastSaved(saved: SavedRunSummary[]): SavedRunSummary | undefined {
  return [...saved].sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0];
}

/** True when a remembered folder (folderMemory.ts) is the data a saved comparison trained on. */
export function folderMatches(saved: SavedRunSummary, folderName: string | undefined): boolean {
  // A dataset's name is its source's with bidi controls written out (markBidi), as the loader names it.
  return folderName !== undefined && saved.dataset.name === markBidi(folderName);
}

/**
 * On the first screen after a reload (no run yet): the last saved comparison, one click from where it stopped. When
 * it trained on a folder opened with the directory picker, that folder is offered again (the browser asks for
 * permission to read it: no new pick); on other data, it says which data to load first.
 */
export function ResumeOffer({
  saved,
  dataset,
  busy,
  onResume,
  onDismiss,
  folder,
  onReopen,
  note,
}: {
  saved: SavedRunSummary;
  dataset?: DatasetSummary;
  busy: boolean;
  onResume: (id: string) => void;
  onDismiss: () => void;
  /** The folder opened last with the directory picker (its name), when the browser kept its handle. */
  folder?: string;
  /** Asks for permission to read that folder, loads it and resumes the run. */
  onReopen?: (id: string) => void;
  /** Why reopening the folder did not work. */
  note?: string;
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
      ) : folderMatches(saved, folder) && onReopen ? (
        <button className="primary" disabled={busy} onClick={() => onReopen(saved.id)} data-testid="resume-reopen" title="the browser asks once for permission to read the folder again">
          Reopen the folder “{folder}” and resume at step {step}
        </button>
      ) : (
        <small>Load {saved.dataset.name} ({saved.dataset.size} images) to resume it.</small>
      )}
      {note && (
        <small className="resume-note" data-testid="resume-note">
          {note}
        </small>
      )}
      <button className="link" onClick={onDismiss} aria-label="start fresh instead" data-testid="resume-dismiss">
        Start fresh
      </button>
    </div>
  );
}
