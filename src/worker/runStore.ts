import { createStore, del, get, keys, set } from 'idb-keyval';
import type { RunOrigin } from '../core/checkpoint';
import type { ObjectiveName, Settings } from '../core/config';
import type { EvalMetrics } from '../core/evaluate';
import type { ParamSnapshot } from '../core/params';
import type { StepReport } from '../core/trainer';
import type { SavedRunSummary } from './protocol';

/** A saved comparison: its config, and for every run the latest weights, optimizer state, history and metrics. */
export interface SavedRun {
  id: string;
  name: string;
  savedAt: string;
  config: Settings;
  objectives: ObjectiveName[];
  dataset: { name: string; size: number };
  runs: {
    objective: ObjectiveName;
    step: number;
    params: Record<string, ParamSnapshot>;
    optimizer: { t: number; m: Record<string, ParamSnapshot>; v: Record<string, ParamSnapshot> };
    vocab?: string[];
    history: StepReport[];
    metrics: EvalMetrics[];
    origin?: RunOrigin; // absent in saves older than the field: the browser
  }[];
}

export class StorageError extends Error {}

/** Runs kept in IndexedDB. One put per save: a failed save (a full quota) leaves the previous one as it was. */
export class RunStore {
  private readonly store = createStore('xsample-playground-runs', 'runs');

  async save(run: SavedRun): Promise<void> {
    try {
      await set(run.id, run, this.store);
    } catch (err) {
      const quota = err instanceof DOMException && (err.name === 'QuotaExceededError' || err.name === 'NS_ERROR_DOM_QUOTA_REACHED');
      throw new StorageError(
        quota
          ? `browser storage is full: "${run.name}" was not saved at this step; its earlier save and every other saved run are kept`
          : `saving "${run.name}" failed (${err instanceof Error ? err.message : String(err)}); its earlier save is kept`,
      );
    }
  }

  async list(): Promise<SavedRunSummary[]> {
    const ids = (await keys(this.store)) as string[];
    const out: SavedRunSummary[] = [];
    for (const id of ids) {
      const r = await get<SavedRun>(id, this.store);
      if (r) out.push({ id: r.id, name: r.name, savedAt: r.savedAt, objectives: r.objectives, steps: r.runs.map((x) => x.step), dataset: r.dataset });
    }
    return out.sort((a, b) => (a.savedAt < b.savedAt ? 1 : -1));
  }

  load(id: string): Promise<SavedRun | undefined> {
    return get<SavedRun>(id, this.store);
  }

  async rename(id: string, name: string): Promise<void> {
    const r = await this.load(id);
    if (!r) throw new StorageError(`no saved run ${id}`);
    await this.save({ ...r, name });
  }

  remove(id: string): Promise<void> {
    return del(id, this.store);
  }
}
