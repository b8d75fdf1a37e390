import type { ObjectiveName, Settings } from '../core/config';
import { type ImageSet, setSize } from '../core/dataset';
import type { Comparison } from './comparison';
import type { EventSink, SavedRunSummary } from './protocol';
import { RunStore, type SavedRun } from './runStore';

/** Runs are saved to IndexedDB this often (and on pause and at the end). */
export const SAVE_EVERY = 50;

/**
 * The comparisons kept in this browser: the current one is saved under its id as it trains (a failed save is a
 * notice, never fatal), and any can be listed, renamed, deleted or loaded to resume. Without IndexedDB (Node) there
 * is nothing to keep, and every call is a no-op.
 */
export class SavedRuns {
  private id?: string;
  private name?: string;

  constructor(
    private readonly emit: EventSink,
    private readonly store: RunStore | undefined = typeof indexedDB === 'undefined' ? undefined : new RunStore(),
  ) {}

  /** A new comparison was started: it gets its own id and a name that says what it compares. */
  begin(objectives: ObjectiveName[], config: Settings, data: ImageSet): void {
    this.id = `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
    this.name = `${objectives.join(' vs ')} on ${data.name}, seed ${config.seed}, ${new Date().toLocaleString()}`;
  }

  /** An imported run joins the current comparison, or starts one. */
  join(objective: ObjectiveName, data: ImageSet): void {
    this.id ??= `run-${Date.now().toString(36)}`;
    this.name ??= `imported ${objective} on ${data.name}`;
  }

  async list(): Promise<SavedRunSummary[]> {
    return this.store ? this.store.list() : [];
  }

  async rename(id: string, name: string): Promise<void> {
    await this.store?.rename(id, name);
    if (id === this.id) this.name = name;
    await this.emitList();
  }

  async remove(id: string): Promise<void> {
    await this.store?.remove(id);
    if (id === this.id) this.id = undefined;
    await this.emitList();
  }

  /** A saved comparison, checked against the loaded dataset. */
  async load(id: string, data: ImageSet | undefined): Promise<SavedRun> {
    const saved = await this.store?.load(id);
    if (!saved) throw new Error(`no saved run ${id}`);
    if (!data || data.name !== saved.dataset.name || setSize(data) !== saved.dataset.size)
      throw new Error(`"${saved.name}" trained on ${saved.dataset.name} (${saved.dataset.size} images): load that dataset first, then resume`);
    return saved;
  }

  /** The resumed save is the current comparison: later saves go under its id. */
  resume(saved: SavedRun): void {
    this.id = saved.id;
    this.name = saved.name;
  }

  /** Saves every run (weights, optimizer, history, metrics) under the current id. */
  async save(runs: Comparison, config: Settings, objectives: ObjectiveName[], data: ImageSet | undefined): Promise<void> {
    if (!this.store || !this.id || !data || runs.runs.length === 0) return;
    try {
      const saved: SavedRun['runs'] = [];
      for (const r of runs.runs) saved.push({ objective: r.objective, ...(await runs.snapshot(r)), vocab: r.model.tokenizer?.vocab, history: r.history, metrics: r.metrics, origin: r.origin });
      await this.store.save({
        id: this.id,
        name: this.name ?? this.id,
        savedAt: new Date().toISOString(),
        config,
        objectives,
        dataset: { name: data.name, size: setSize(data) },
        runs: saved,
      });
      await this.emitList();
    } catch (err) {
      this.emit({ type: 'notice', message: err instanceof Error ? err.message : String(err) });
    }
  }

  async emitList(): Promise<void> {
    if (!this.store) return;
    try {
      this.emit({ type: 'saved', runs: await this.store.list(), current: this.id });
    } catch {
      /* listing is best effort */
    }
  }
}
