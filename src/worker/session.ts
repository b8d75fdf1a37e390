import * as Comlink from 'comlink';
import { type BackendChoice, type ObjectiveName, runConfig, type Settings } from '../core/config';
import { OBJECTIVE_NAMES } from '../core/registry';
import { CheckpointError } from '../core/checkpoint';
import { embedSet } from '../core/evaluate';
import * as tf from '../core/tf';
import { runBenchmark } from './benchmark';
import { Comparison } from './comparison';
import { Device, type StartBackend } from './deviceFallback';
import type {
  AssetUrls,
  BackendInfo,
  BenchmarkRequest,
  BenchmarkResult,
  DatasetExport,
  DatasetPreview,
  DatasetSummary,
  EventSink,
  ImportMode,
  LoadOptions,
  LoadOutcome,
  MemoryInfo,
  RunEmbeddings,
  RunResult,
  SavedRunSummary,
  SourceFile,
  TargetNeighbours,
  TrainerApi,
  TrainEvent,
  TryQuery,
  TryResult,
} from './protocol';
import type { ShardLimits } from '../data/webdatasetShards';
import { buildDatasetExport } from './datasetExport';
import { buildExport } from './runExport';
import { importNote, readCheckpoint } from './runImport';
import { besideNote, ReferenceRuns, showsBeside } from './referenceRuns';
import { RunLoop } from './runLoop';
import { sampleSet } from './runPictures';
import { RunReports } from './runReports';
import { SavedRuns } from './savedRuns';
import { SeedRepeats } from './seedRepeats';
import type { RunStore } from './runStore';
import { TryIt } from './tryIt';
import { HELD_OUT_FRACTION, Workspace } from './workspace';

export interface SessionOptions {
  /** Starts a backend: backends.ts in the worker; tests give their own. */
  startBackend: StartBackend;
  /** Sets the WASM thread count (0: automatic) before the first backend starts: backends.ts in the worker. */
  setWasmThreads?: (requested: number) => void;
  /** Where runs are kept; by default IndexedDB where there is one. */
  store?: RunStore;
  /** How often a CPU copy of every run is taken on a GPU backend (steps). */
  gpuCheckpointEvery?: number;
}

/**
 * The worker's API: a facade over the parts that hold the state. The workspace (data, graph, config), the
 * comparison (the runs), the device (backend and GPU fallback), the loop (run control), the reports (metrics and
 * pictures) and the saved runs; each command forwards to them, or ties two or three together.
 */
export class TrainingSession implements TrainerApi {
  private onEvent: EventSink = () => {};
  private readonly emit: EventSink = (e: TrainEvent) => this.onEvent(e);
  private readonly space = new Workspace({
    emit: this.emit,
    backend: () => this.device.info,
    dropRuns: async () => {
      await this.repeats.cancel(); // its data or settings are changing
      await this.loop.pause();
      this.dropRuns();
    },
    idle: () => this.loop.setState('idle'),
    retainRuns: async (objectives) => {
      await this.loop.pause();
      const { added } = this.runs.retain(objectives);
      for (const o of added) await this.reports.visualise(this.runs.find(o)!, this.runs.find(o) === this.runs.runs[0]);
      if (this.runs.runs.length > 0) this.loop.setState(this.runs.done ? 'done' : 'paused');
    },
  });
  private readonly runs = new Comparison(this.emit, () => this.space.ground());
  private readonly reports = new RunReports(this.emit, this.space);
  private readonly device: Device;
  private readonly saves: SavedRuns;
  private readonly loop: RunLoop;
  private readonly tryit = new TryIt();
  private readonly references = new ReferenceRuns(this.emit);
  private readonly repeats = new SeedRepeats({
    emit: this.emit,
    groundFor: (seed) => this.space.groundFor(seed),
    session: () => ({ seed: this.space.config.seed, objectives: this.space.objectives, steps: this.space.config.steps, dataset: this.space.data?.name ?? '' }),
  });

  constructor(private readonly options: SessionOptions) {
    this.device = new Device(options.startBackend, this.emit, this.runs, options.gpuCheckpointEvery);
    this.saves = new SavedRuns(this.emit, options.store);
    this.loop = new RunLoop({
      emit: this.emit,
      runs: this.runs,
      device: this.device,
      reports: this.reports,
      schedule: () => this.space.config,
      ensureRuns: () => {
        if (this.runs.ensure(this.space.objectives)) this.saves.begin(this.space.objectives, this.space.config, this.space.data!);
      },
      save: () => this.saves.save(this.runs, this.space.config, this.space.objectives, this.space.data),
    });
  }

  async init(onEvent: EventSink, backend: BackendChoice, assets: AssetUrls, wasmThreads = 0): Promise<BackendInfo> {
    this.onEvent = onEvent;
    this.space.init(assets);
    this.options.setWasmThreads?.(wasmThreads);
    const info = await this.setBackend(backend);
    await this.saves.emitList();
    return info;
  }

  // ---- backend ----

  async setBackend(choice: BackendChoice): Promise<BackendInfo> {
    await this.repeats.cancel(); // its runs live on the old backend
    await this.loop.pause();
    return this.device.switchTo(choice);
  }

  async benchmark(req: BenchmarkRequest): Promise<BenchmarkResult[]> {
    await this.repeats.pause();
    await this.loop.pause();
    return runBenchmark(req, this.device);
  }

  async memory(): Promise<MemoryInfo> {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  }

  async simulateBackendFailure(): Promise<void> {
    this.loop.simulateFailure();
  }

  async simulateNonFiniteLoss(): Promise<void> {
    this.loop.simulateNonFiniteLoss();
  }

  // ---- data, caption graph, config ----

  loadShapes(count: number, imageSize: number, seed: number): Promise<DatasetSummary> {
    return this.space.loadShapes(count, imageSize, seed);
  }

  loadFiles(files: SourceFile[], source: string, opts: LoadOptions): Promise<LoadOutcome> {
    return this.space.loadFiles(files, source, opts);
  }

  loadUrl(url: string, source: string, opts: LoadOptions): Promise<LoadOutcome> {
    return this.space.loadUrl(url, source, opts);
  }

  async cancelLoad(): Promise<void> {
    this.space.cancelLoad();
  }

  async preview(count: number): Promise<DatasetPreview | undefined> {
    return this.space.preview(count);
  }

  setGraphFile(name: string, content: ArrayBuffer): Promise<string> {
    return this.space.setGraphFile(name, content);
  }

  async targetNeighbours(index: number, tauS: number, k: number): Promise<TargetNeighbours | undefined> {
    return this.space.targetNeighbours(index, tauS, k);
  }

  configure(config: Settings, objectives: ObjectiveName[]): Promise<string[]> {
    return this.space.configure(config, objectives);
  }

  // ---- run control ----

  /** One job trains at a time: the session's runs start, a repeat over seeds pauses (and goes on when resumed). */
  async start(): Promise<void> {
    await this.repeats.pause();
    return this.loop.start();
  }

  pause(): Promise<void> {
    return this.loop.pause();
  }

  async step(): Promise<void> {
    await this.repeats.pause();
    return this.loop.step();
  }

  // ---- repeat with seeds ----

  async repeatSeeds(count: number): Promise<void> {
    await this.loop.pause();
    await this.repeats.start(count);
  }

  pauseSeeds(): Promise<void> {
    return this.repeats.pause();
  }

  async resumeSeeds(): Promise<void> {
    await this.loop.pause();
    this.repeats.resume();
  }

  cancelSeeds(): Promise<void> {
    return this.repeats.cancel();
  }

  async reset(): Promise<void> {
    await this.loop.pause();
    this.dropRuns();
    this.loop.setState('idle');
  }

  /** Frees every run and tells the page (a `runs` event with none): no chip, curve, picture or export button stays. */
  private dropRuns(): void {
    const had = this.runs.runs.length > 0;
    this.runs.dispose();
    this.tryit.clear();
    if (had) this.runs.emitRuns();
  }

  // ---- results, export and import ----

  async results(): Promise<RunResult[]> {
    return this.runs.results(this.device.info!, this.space.summary()!);
  }

  async embeddings(objective: ObjectiveName, cap: number): Promise<RunEmbeddings | undefined> {
    const run = this.runs.find(objective);
    const { data, split } = this.space;
    if (!run || !data || !split) return undefined;
    const pool = Int32Array.from([...split.heldOut, ...split.train].slice(0, cap));
    const { embeddings } = await embedSet(run.model, data, pool);
    return Comlink.transfer({ dim: run.model.cfg.model.projDim, vectors: embeddings, samples: sampleSet(data, pool) }, [embeddings.buffer]);
  }

  async tryIt(query: TryQuery, k: number): Promise<TryResult | undefined> {
    const { data, split } = this.space;
    if (!data || !split || this.runs.runs.length === 0) return undefined;
    return this.tryit.answer(this.runs.runs, data, split.heldOut, query, k);
  }

  async exportRun(objective: ObjectiveName): Promise<Record<string, Uint8Array>> {
    const run = this.runs.find(objective);
    const { data, split } = this.space;
    if (!run || !data || !split) throw new Error(`there is no ${objective} run to export: train one first`);
    const files = await buildExport({
      model: run.model,
      step: run.trainer.step,
      history: run.history,
      metrics: run.metrics,
      set: data,
      heldOut: split.heldOut,
      dataset: this.space.summary()!,
      backend: this.device.info,
      seeds: this.repeats.finished().flatMap((r) => r.results.filter((x) => x.objective === objective).map((x) => ({ seed: r.seed, final: x.final }))),
    });
    return Comlink.transfer(files, Object.values(files).map((f) => f.buffer as ArrayBuffer));
  }

  async exportDataset(limits?: ShardLimits): Promise<DatasetExport> {
    const { data, split, graph, config, sources } = this.space;
    if (!data || !split || !graph) throw new Error('load a dataset before exporting it');
    let last = 0;
    const { zip, shards, samples } = await buildDatasetExport({
      set: data,
      split,
      seed: config.seed,
      heldOutFraction: HELD_OUT_FRACTION,
      graph,
      graphSource: config.graph,
      centreGraph: config.centreGraph,
      sources,
      limits,
      onProgress: (done, total) => {
        const now = performance.now();
        if (now - last < 100 && done < total) return;
        last = now;
        this.emit({ type: 'dataset-export-progress', done, total });
      },
    });
    const base = (data.name.replace(/[\u2066-\u2069\u200e\u200f]/g, '').replace(/\.zip$/i, '').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'dataset').slice(0, 80);
    const note = `dataset export: ${samples} samples (${split.train.length} train, ${split.heldOut.length} held out, ${split.by}) in ${shards} WebDataset shard(s) with dataset.json${graph.vectors ? `, caption vectors of ${graph.kind}` : ''}`;
    this.emit({ type: 'notice', message: note });
    return Comlink.transfer({ name: `${base}-webdataset.zip`, zip, note }, [zip.buffer as ArrayBuffer]);
  }

  /**
   * The imported run joins the others (or replaces the one of its objective) at its step; the others go on as they
   * were. Or (mode, see ImportMode) it is shown beside the run of its objective as a reference run, which trains on.
   */
  async importRun(input: SourceFile[], mode: ImportMode = 'auto'): Promise<string> {
    const { data, split, config } = this.space;
    if (!data || !split) throw new Error('load a dataset before importing weights: they are evaluated and trained on it');
    // readCheckpoint compares the model settings only; the checkpoint names its own objective.
    const imported = await readCheckpoint(input, runConfig(config, OBJECTIVE_NAMES[0]), data);
    const { meta, snapshot, origin, history, metrics } = imported;
    const objective = meta.config.objective;
    if (showsBeside(mode, origin, this.runs.find(objective) !== undefined)) {
      this.references.show(imported, input, meta.dataset);
      const note = besideNote(meta, origin);
      this.emit({ type: 'notice', message: note });
      return note;
    }
    await this.loop.pause();
    let run;
    try {
      run = this.runs.restoreRun(objective, { step: meta.step, params: snapshot, vocab: meta.vocab, history, metrics, origin });
    } catch (err) {
      throw new CheckpointError(`the weights do not fit a ${objective} model: ${err instanceof Error ? err.message : err}`);
    }
    this.space.setObjectives(this.runs.objectives);
    this.saves.join(objective, data);
    this.loop.setState('paused');
    // A run that brings its own held-out metrics of this data (at its step) keeps them; any other is evaluated here.
    if (!run.metrics.some((m) => m.step === run.trainer.step)) await this.reports.evaluate(run);
    await this.reports.visualise(run, run === this.runs.runs[0]);
    const note = importNote(meta, config.steps, origin);
    this.emit({ type: 'notice', message: note });
    return note;
  }

  async removeReference(objective: ObjectiveName): Promise<void> {
    this.references.remove(objective);
  }

  async continueFromReference(objective: ObjectiveName): Promise<string> {
    const files = this.references.filesOf(objective);
    if (!files) throw new Error(`there is no imported ${objective} run shown beside the others: import it again`);
    const note = await this.importRun(files, 'continue');
    this.references.remove(objective);
    return note;
  }

  // ---- saved runs ----

  savedRuns(): Promise<SavedRunSummary[]> {
    return this.saves.list();
  }

  renameSaved(id: string, name: string): Promise<void> {
    return this.saves.rename(id, name);
  }

  deleteSaved(id: string): Promise<void> {
    return this.saves.remove(id);
  }

  /** Every run of the save, rebuilt at its step with its history, on the loaded dataset and the save's config. */
  async resumeSaved(id: string): Promise<void> {
    const saved = await this.saves.load(id, this.space.data);
    await this.loop.pause(); // saves the runs there were under their own id
    this.runs.dispose();
    this.saves.resume(saved);
    await this.space.resume(saved.config, saved.objectives);
    this.runs.emitRuns(); // none yet: every curve starts afresh, then each run brings its own
    for (const r of saved.runs) this.runs.restoreRun(r.objective, r);
    for (const run of this.runs.runs) await this.reports.visualise(run, run === this.runs.runs[0]);
    this.loop.setState(this.runs.done ? 'done' : 'paused');
    this.emit({ type: 'notice', message: `resumed "${saved.name}" at step ${this.runs.step}` });
    await this.saves.emitList();
  }
}
