import { DEFAULT_CONFIG, type BackendChoice, type ObjectiveName, type TrainConfig, validateConfig } from '../core/config';
import { type ImageSet, setSize, splitForSet } from '../core/dataset';
import * as Comlink from 'comlink';
import { ContrastiveModel } from '../core/model';
import { Rng } from '../core/rng';
import type { ParamSnapshot } from '../core/params';
import * as tf from '../core/tf';
import { embedSet, evaluateRun, type EvalMetrics } from '../core/evaluate';
import { Trainer, type StepReport } from '../core/trainer';
import { makeShapesSet } from '../data/shapesSet';
import type { CaptionGraph } from '../text/captionGraph';
import { CaptionGraphSource, targetNeighbours } from './graphSource';
import { RunPictures, sampleSet } from './runPictures';
import { buildExport } from './runExport';
import { RunStore, type SavedRun } from './runStore';
import { expandSources } from './sourceFiles';
import { CheckpointError, configMismatch, importTfjs } from '../core/checkpoint';
import { tfidfGraph } from '../text/tfidfGraph';
import { startBackend } from './backends';
import { loadDataset } from './datasetLoader';
import type {
  AssetUrls,
  BackendInfo,
  BenchmarkRequest,
  BenchmarkResult,
  DatasetPreview,
  DatasetSummary,
  EventSink,
  LoadOptions,
  LoadOutcome,
  MemoryInfo,
  ProbeInfo,
  RunResult,
  RunState,
  SavedRunSummary,
  SourceFile,
  TargetNeighbours,
  TrainerApi,
} from './protocol';

interface Run {
  objective: ObjectiveName;
  model: ContrastiveModel;
  trainer: Trainer;
  history: StepReport[];
  metrics: EvalMetrics[];
}

interface Checkpoint {
  step: number;
  params: Record<string, ParamSnapshot>;
  optimizer: Awaited<ReturnType<Trainer['optimizer']['snapshot']>>;
}

const HELD_OUT_FRACTION = 0.2;
/** On GPU backends a CPU copy of every run is kept this often, to resume from if the device is lost. */
const GPU_CHECKPOINT_EVERY = 50;

/** Runs are saved to IndexedDB this often (and on pause and at the end). */
const SAVE_EVERY = 50;

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Everything the worker holds: the backend, the dataset, the runs and the loop that trains them. */
export class TrainingSession implements TrainerApi {
  private emit: EventSink = () => {};
  private backend?: BackendInfo;
  private data?: ImageSet;
  private split?: ReturnType<typeof splitForSet>;
  private loadGeneration = 0;
  private loadCancelled = false;
  private lastFormat: DatasetSummary['format'] = 'generated';
  /** Decodes the current data again at another image size (when the model's input size changes). */
  private reloadAtSize?: (imageSize: number) => Promise<unknown>;
  private graph?: CaptionGraph;
  private config: TrainConfig = DEFAULT_CONFIG;
  private objectives: ObjectiveName[] = ['xsample'];
  private runs: Run[] = [];
  private checkpoints = new Map<ObjectiveName, Checkpoint>();
  private state: RunState = 'idle';
  private loop?: Promise<void>;
  private failNextStep = false;
  private readonly pictures = new RunPictures();
  private readonly store: RunStore | undefined = typeof indexedDB === 'undefined' ? undefined : new RunStore();
  private saveId?: string;
  private saveName?: string;

  private graphs?: CaptionGraphSource;

  async init(onEvent: EventSink, backend: BackendChoice, assets: AssetUrls): Promise<BackendInfo> {
    this.emit = onEvent;
    this.graphs = new CaptionGraphSource(assets, (e) => this.emit(e));
    const info = await this.setBackend(backend);
    await this.emitSaved();
    return info;
  }

  /** Builds the caption graph of the current data from the configured source (TF-IDF, with a notice, where it cannot). */
  private async rebuildGraph(): Promise<void> {
    const set = this.data;
    if (!set) return;
    if (!this.graphs) throw new Error('the training worker was not initialised (init was not called)');
    this.pictures.reset();
    this.graph = await this.graphs.build(set, this.config.graph, this.config.centreGraph, this.backend);
  }

  async setGraphFile(name: string, content: ArrayBuffer): Promise<string> {
    if (!this.graphs) throw new Error('the training worker was not initialised (init was not called)');
    const described = this.graphs.setFile(name, content, this.data);
    if (this.config.graph === 'file') {
      await this.pause();
      this.disposeRuns();
      await this.rebuildGraph();
      this.emitDataset();
      this.setState('idle');
    }
    return described;
  }

  async targetNeighbours(index: number, tauS: number, k: number): Promise<TargetNeighbours | undefined> {
    if (!this.data || !this.graph || !this.split) return undefined;
    return targetNeighbours(this.data, this.graph, this.split.train, index, tauS, k);
  }

  async setBackend(choice: BackendChoice): Promise<BackendInfo> {
    await this.pause();
    const snapshots = await this.snapshotRuns();
    this.backend = await startBackend(choice);
    this.restoreRuns(snapshots);
    this.emit({ type: 'backend', info: this.backend });
    if (this.backend.notice) this.emit({ type: 'notice', message: this.backend.notice });
    return this.backend;
  }

  async loadShapes(count: number, imageSize: number, seed: number): Promise<DatasetSummary> {
    this.lastFormat = 'generated';
    this.reloadAtSize = (size) => this.loadShapes(count, size, seed);
    return this.useData(makeShapesSet(count, imageSize, seed));
  }

  async loadFiles(files: SourceFile[], source: string, opts: LoadOptions): Promise<LoadOutcome> {
    const generation = ++this.loadGeneration;
    this.loadCancelled = false;
    const result = await loadDataset(
      source,
      files,
      opts,
      (progress) => this.emit({ type: 'load-progress', progress }),
      () => this.loadCancelled || generation !== this.loadGeneration,
    );
    this.emit({ type: 'load-report', report: result.report, table: result.table });
    if (!result.set) return { report: result.report, table: result.table };
    if (setSize(result.set) < 2) {
      result.report.entries.push({ path: source, reason: `only ${setSize(result.set)} image could be used; training needs at least 2`, action: 'skipped' });
      return { report: result.report, table: result.table };
    }
    this.lastFormat = result.report.format === 'none' ? 'generated' : result.report.format;
    this.reloadAtSize = (size) => this.loadFiles(files, source, { ...opts, imageSize: size });
    return { summary: await this.useData(result.set), report: result.report, table: result.table };
  }

  async loadUrl(url: string, source: string, opts: LoadOptions): Promise<LoadOutcome> {
    const response = await fetch(url);
    if (!response.ok)
      throw new Error(`${source}: ${url} answered ${response.status}. The demo set is built by \`npm install\` (scripts/build-demo-set.mjs).`);
    const blob = await response.blob();
    return this.loadFiles([{ path: url.slice(url.lastIndexOf('/') + 1), blob }], source, opts);
  }

  async preview(count: number): Promise<DatasetPreview | undefined> {
    const set = this.data;
    if (!set) return undefined;
    const pick = new Rng(7).permutation(setSize(set)).slice(0, Math.min(count, setSize(set)));
    const samples = sampleSet(set, pick);
    return Comlink.transfer({ imageSize: set.imageSize, ...samples }, [samples.pixels.buffer]);
  }

  async cancelLoad(): Promise<void> {
    this.loadCancelled = true;
  }

  private async useData(set: ImageSet): Promise<DatasetSummary> {
    await this.pause();
    if (setSize(set) < 2) throw new Error(`dataset ${set.name} has ${setSize(set)} image(s); training needs at least 2`);
    this.disposeRuns();
    this.data = set;
    this.split = splitForSet(set, HELD_OUT_FRACTION, this.config.seed);
    this.pictures.reset();
    await this.rebuildGraph();
    const summary = this.emitDataset();
    this.setState('idle');
    return summary;
  }

  private emitDataset(): DatasetSummary {
    const set = this.data!;
    const summary: DatasetSummary = {
      name: set.name,
      size: setSize(set),
      trainSize: this.split!.train.length,
      heldOutSize: this.split!.heldOut.length,
      imageSize: set.imageSize,
      labels: set.labelNames?.length ?? 0,
      graph: this.graph!.kind,
      format: this.lastFormat,
      heldOutBy: this.split!.by,
    };
    this.emit({ type: 'dataset', summary });
    return summary;
  }

  async configure(config: TrainConfig, objectives: ObjectiveName[]): Promise<string[]> {
    const errors = validateConfig(config);
    if (objectives.length === 0) errors.push('choose at least one objective');
    if (errors.length > 0) return errors;
    if (this.data && config.model.imageSize !== this.data.imageSize && this.reloadAtSize) await this.reloadAtSize(config.model.imageSize);
    if (this.data && config.model.imageSize !== this.data.imageSize)
      return [`the dataset is decoded at ${this.data.imageSize}px but the model expects ${config.model.imageSize}px`];
    await this.pause();
    const seedChanged = config.seed !== this.config.seed;
    const graphChanged = config.graph !== this.config.graph || config.centreGraph !== this.config.centreGraph;
    this.config = config;
    this.pictures.reset(); // the graph or the split may have changed
    if (graphChanged && this.data) {
      await this.rebuildGraph();
      this.emitDataset();
    }
    this.objectives = [...new Set(objectives)];
    if (seedChanged && this.data) this.split = splitForSet(this.data, HELD_OUT_FRACTION, config.seed);
    this.disposeRuns();
    this.setState('idle');
    return [];
  }

  async start(): Promise<void> {
    if (this.state === 'running') return;
    this.ensureRuns();
    if (this.runs.every((r) => r.trainer.done)) return this.setState('done');
    this.setState('running');
    this.loop = this.runLoop();
  }

  async pause(): Promise<void> {
    const wasRunning = this.state === 'running';
    if (wasRunning) this.setState('paused');
    await this.loop;
    if (wasRunning) await this.saveRuns();
  }

  async step(): Promise<void> {
    await this.pause();
    this.ensureRuns();
    await this.stepAll();
    this.setState(this.runs.every((r) => r.trainer.done) ? 'done' : 'paused');
  }

  async reset(): Promise<void> {
    await this.pause();
    this.disposeRuns();
    this.setState('idle');
  }

  async memory(): Promise<MemoryInfo> {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  }

  async benchmark(req: BenchmarkRequest): Promise<BenchmarkResult[]> {
    await this.pause();
    const keep = this.backend?.requested ?? 'auto';
    const snapshots = await this.snapshotRuns();
    const m = req.config.model;
    const set = makeShapesSet(Math.max(2 * req.config.batchSize, 64), m.imageSize, 1);
    const pool = Int32Array.from({ length: setSize(set) }, (_, i) => i);
    const graph = tfidfGraph(set.captions);
    const results: BenchmarkResult[] = [];
    for (const backend of req.backends) {
      const info = await startBackend(backend);
      this.restoreRuns(snapshots); // keep the user's runs alive on whichever backend is active
      for (const objective of req.objectives) {
        if (info.active !== backend) {
          results.push({ backend, objective, started: false, adapter: '', note: info.notice ?? 'did not start', medianMs: NaN, imagesPerSec: NaN, tensorsBefore: 0, tensorsAfter: 0, kernelsPerStep: 0, firstLoss: NaN, lastLoss: NaN });
          continue;
        }
        const cfg = { ...req.config, objective, steps: req.steps + 3 };
        const tensorsBefore = tf.memory().numTensors;
        const model = new ContrastiveModel(cfg, set.captions, graph);
        const trainer = new Trainer(model, set, cfg, pool);
        const losses: number[] = [];
        for (let i = 0; i < 2; i++) losses.push((await trainer.trainStep()).loss);
        const times: number[] = [];
        for (let i = 0; i < req.steps; i++) {
          const r = await trainer.trainStep();
          times.push(r.ms);
          losses.push(r.loss);
        }
        const profile = await tf.profile(async () => {
          await trainer.trainStep();
        });
        trainer.dispose();
        model.dispose();
        const tensorsAfter = tf.memory().numTensors;
        times.sort((a, b) => a - b);
        const medianMs = times[Math.floor(times.length / 2)];
        results.push({
          backend,
          objective,
          started: true,
          adapter: info.adapter,
          medianMs,
          imagesPerSec: (cfg.batchSize * 1000) / medianMs,
          tensorsBefore,
          tensorsAfter,
          kernelsPerStep: profile.kernels.length,
          firstLoss: losses[0],
          lastLoss: losses[losses.length - 1],
        });
      }
    }
    const snapshotsAfter = await this.snapshotRuns();
    this.backend = await startBackend(keep);
    this.restoreRuns(snapshotsAfter);
    this.emit({ type: 'backend', info: this.backend });
    return results;
  }

  async results(): Promise<RunResult[]> {
    const dataset = this.data ? this.emitDataset() : undefined;
    return this.runs.map((r) => {
      const ms = r.history.reduce((a, h) => a + h.ms, 0);
      return {
        objective: r.objective,
        config: r.model.cfg,
        backend: this.backend!,
        dataset: dataset!,
        steps: r.trainer.step,
        stepsPerSec: ms > 0 ? (r.history.length * 1000) / ms : 0,
        history: r.history.map((h) => ({ step: h.step, loss: h.loss, lr: h.lr, ms: h.ms, logitScale: h.scalars.logitScale })),
        metrics: r.metrics,
        final: r.metrics[r.metrics.length - 1],
      };
    });
  }

  async exportRun(objective: ObjectiveName): Promise<Record<string, Uint8Array>> {
    const run = this.runs.find((r) => r.objective === objective);
    if (!run || !this.data || !this.split) throw new Error(`there is no ${objective} run to export: train one first`);
    const files = await buildExport({
      model: run.model,
      step: run.trainer.step,
      history: run.history,
      metrics: run.metrics,
      set: this.data,
      heldOut: this.split.heldOut,
      dataset: this.emitDataset(),
      backend: this.backend,
    });
    return Comlink.transfer(files, Object.values(files).map((f) => f.buffer as ArrayBuffer));
  }

  async importRun(input: SourceFile[]): Promise<string> {
    if (!this.data || !this.split) throw new Error('load a dataset before importing weights: they are evaluated and trained on it');
    const { files } = await expandSources(input);
    const modelFile = files.find((f) => f.path === 'model.json' || f.path.endsWith('/model.json'));
    if (!modelFile) throw new CheckpointError(`no model.json among ${files.map((f) => f.path).join(', ') || 'the files'}`);
    const text = await modelFile.blob.text();
    const paths: string[] = (JSON.parse(text).weightsManifest ?? []).flatMap((g: { paths: string[] }) => g.paths);
    const dir = modelFile.path.slice(0, modelFile.path.lastIndexOf('/') + 1);
    const weightFile = files.find((f) => paths.some((p) => f.path === dir + p || f.path.endsWith(`/${p}`) || f.path === p));
    if (!weightFile) throw new CheckpointError(`model.json names ${paths.join(', ')}, which is not among the files: choose both files, or the zip`);
    const { meta, snapshot } = importTfjs(text, await weightFile.blob.arrayBuffer());
    const problems = configMismatch(meta.config.model, this.config.model);
    if (problems.length > 0) throw new CheckpointError(`these weights do not fit the current model: ${problems.join('; ')}. Set the model to match, then import again.`);
    if (meta.config.model.imageSize !== this.data.imageSize) throw new CheckpointError(`the checkpoint expects ${meta.config.model.imageSize}px images; the dataset is at ${this.data.imageSize}px`);
    await this.pause();
    const objective = meta.config.objective;
    const run = this.buildRun(objective, meta.vocab);
    try {
      run.model.params.restore(snapshot);
    } catch (err) {
      run.trainer.dispose();
      run.model.dispose();
      throw new CheckpointError(`the weights do not fit a ${objective} model: ${err instanceof Error ? err.message : err}`);
    }
    run.trainer.step = Math.min(meta.step, this.config.steps);
    for (let i = 0; i < run.trainer.step; i++) run.trainer.nextBatch(); // the same batch order as an unbroken run
    const old = this.runs.find((r) => r.objective === objective);
    if (old) {
      old.trainer.dispose();
      old.model.dispose();
    }
    this.runs = [...this.runs.filter((r) => r.objective !== objective), run];
    this.objectives = this.runs.map((r) => r.objective);
    this.saveId ??= `run-${Date.now().toString(36)}`;
    this.saveName ??= `imported ${objective} on ${this.data.name}`;
    this.emitRuns();
    this.setState('paused');
    await this.evaluate(run);
    await this.visualise(run);
    const note = `imported ${objective} weights from ${meta.dataset ?? 'another dataset'} at step ${meta.step}${
      meta.step < this.config.steps ? `; training continues to step ${this.config.steps}` : `; raise Steps above ${meta.step} to train on`
    } (optimizer moments start afresh)`;
    this.emit({ type: 'notice', message: note });
    return note;
  }

  async savedRuns(): Promise<SavedRunSummary[]> {
    return this.store ? this.store.list() : [];
  }

  async renameSaved(id: string, name: string): Promise<void> {
    await this.store?.rename(id, name);
    if (id === this.saveId) this.saveName = name;
    await this.emitSaved();
  }

  async deleteSaved(id: string): Promise<void> {
    await this.store?.remove(id);
    if (id === this.saveId) this.saveId = undefined;
    await this.emitSaved();
  }

  async resumeSaved(id: string): Promise<void> {
    const saved = await this.store?.load(id);
    if (!saved) throw new Error(`no saved run ${id}`);
    if (!this.data || this.data.name !== saved.dataset.name || setSize(this.data) !== saved.dataset.size)
      throw new Error(`"${saved.name}" trained on ${saved.dataset.name} (${saved.dataset.size} images): load that dataset first, then resume`);
    await this.pause();
    this.disposeRuns();
    const graphChanged = saved.config.graph !== this.config.graph || saved.config.centreGraph !== this.config.centreGraph;
    this.config = saved.config;
    this.objectives = saved.objectives;
    this.emit({ type: 'config', config: saved.config, objectives: saved.objectives });
    this.split = splitForSet(this.data, HELD_OUT_FRACTION, this.config.seed);
    if (graphChanged) await this.rebuildGraph();
    this.emitDataset();
    this.runs = saved.runs.map((r) => {
      const run = this.buildRun(r.objective, r.vocab);
      run.model.params.restore(r.params);
      run.trainer.optimizer.restore(r.optimizer);
      run.trainer.step = r.step;
      for (let i = 0; i < r.step; i++) run.trainer.nextBatch();
      run.history = r.history;
      run.metrics = r.metrics;
      return run;
    });
    this.saveId = saved.id;
    this.saveName = saved.name;
    this.emitRuns();
    const m = tf.memory();
    for (const run of this.runs) {
      for (const report of run.history) this.emit({ type: 'step', objective: run.objective, report, memory: { numTensors: m.numTensors, numBytes: m.numBytes } });
      for (const metrics of run.metrics) this.emit({ type: 'metrics', objective: run.objective, metrics });
      await this.visualise(run);
    }
    this.setState(this.runs.every((r) => r.trainer.done) ? 'done' : 'paused');
    this.emit({ type: 'notice', message: `resumed "${saved.name}" at step ${Math.min(...this.runs.map((r) => r.trainer.step))}` });
    await this.emitSaved();
  }

  /** Saves every run (weights, optimizer, history, metrics) under the current id; a failure is a notice, never fatal. */
  private async saveRuns(): Promise<void> {
    if (!this.store || !this.saveId || !this.data || this.runs.length === 0) return;
    try {
      const runs: SavedRun['runs'] = [];
      for (const r of this.runs)
        runs.push({
          objective: r.objective,
          step: r.trainer.step,
          params: await r.model.params.snapshot(),
          optimizer: await r.trainer.optimizer.snapshot(),
          vocab: r.model.tokenizer?.vocab,
          history: r.history,
          metrics: r.metrics,
        });
      await this.store.save({
        id: this.saveId,
        name: this.saveName ?? this.saveId,
        savedAt: new Date().toISOString(),
        config: this.config,
        objectives: this.objectives,
        dataset: { name: this.data.name, size: setSize(this.data) },
        runs,
      });
      await this.emitSaved();
    } catch (err) {
      this.emit({ type: 'notice', message: err instanceof Error ? err.message : String(err) });
    }
  }

  private async emitSaved(): Promise<void> {
    if (!this.store) return;
    try {
      this.emit({ type: 'saved', runs: await this.store.list(), current: this.saveId });
    } catch {
      /* listing is best effort */
    }
  }

  async simulateBackendFailure(): Promise<void> {
    this.failNextStep = true;
  }

  private setState(state: RunState): void {
    this.state = state;
    const step = this.runs.length > 0 ? Math.min(...this.runs.map((r) => r.trainer.step)) : 0;
    this.emit({ type: 'state', state, step, totalSteps: this.config.steps });
  }

  private ensureRuns(): void {
    if (this.runs.length > 0) return;
    if (!this.data || !this.split || !this.graph) throw new Error('load a dataset before training');
    this.runs = this.objectives.map((objective) => this.buildRun(objective));
    this.saveId = `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
    this.saveName = `${this.objectives.join(' vs ')} on ${this.data.name}, seed ${this.config.seed}, ${new Date().toLocaleString()}`;
    this.emitRuns();
  }

  /** A fresh run from the seed: the image tower starts from the same weights for every objective. */
  private buildRun(objective: ObjectiveName, vocab?: string[], config: TrainConfig = this.config): Run {
    const cfg = { ...config, objective };
    const model = new ContrastiveModel(cfg, this.data!.allCaptions?.flat() ?? this.data!.captions, this.graph, vocab);
    return { objective, model, trainer: new Trainer(model, this.data!, cfg, this.split!.train), history: [], metrics: [] };
  }

  private emitRuns(): void {
    this.emit({
      type: 'runs',
      objectives: this.runs.map((r) => r.objective),
      params: Object.fromEntries(this.runs.map((r) => [r.objective, r.model.params.count()])),
    });
  }

  private async runLoop(): Promise<void> {
    while (this.state === 'running') {
      await this.stepAll();
      if (this.runs.every((r) => r.trainer.done)) {
        this.setState('done');
        await this.saveRuns();
        break;
      }
      if (this.runs.some((r) => r.trainer.step % SAVE_EVERY === 0)) await this.saveRuns();
      await macrotask(); // lets pause / reset commands in
    }
  }

  /**
   * One step of every unfinished run, the same batch order for each (each trainer has its own seeded sampler).
   * A step that fails on a GPU backend moves every run to WASM and is tried again there.
   */
  private async stepAll(): Promise<void> {
    for (const run of this.runs) {
      if (run.trainer.done) continue;
      for (let attempt = 0; ; attempt++) {
        try {
          if (this.failNextStep) {
            this.failNextStep = false;
            throw new Error('simulated loss of the GPU device');
          }
          const report = await run.trainer.trainStep();
          run.history.push(report);
          const m = tf.memory();
          this.emit({ type: 'step', objective: run.objective, report, memory: { numTensors: m.numTensors, numBytes: m.numBytes } });
          if (report.step % this.config.evalEvery === 0 || run.trainer.done) await this.evaluate(run);
          if (report.step === 1 || report.step % this.config.vizEvery === 0 || run.trainer.done) await this.visualise(run);
          if (this.onGpu() && report.step % GPU_CHECKPOINT_EVERY === 0) this.checkpoints.set(run.objective, await this.checkpoint(run));
          break;
        } catch (err) {
          const moved = await this.recover(err);
          if (!moved || attempt > 0) return;
        }
      }
    }
  }

  /** Metrics on the held-out split; a failure here is reported and never stops the run. */
  private async evaluate(run: Run): Promise<void> {
    if (!this.data || !this.split || !this.graph || this.split.heldOut.length === 0) return;
    try {
      const metrics = await evaluateRun(run.model, this.data, this.split, this.graph, run.trainer.step);
      run.metrics.push(metrics);
      this.emit({ type: 'metrics', objective: run.objective, metrics });
    } catch (err) {
      this.emit({ type: 'notice', message: `${run.objective}: evaluation at step ${run.trainer.step} failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  /** The probe batch and projection samples with their target, sent once per dataset, graph and τ_s. */
  /** The probe batch of the pictures (sent to the page when it is new). */
  private ensureProbe(): ProbeInfo | undefined {
    if (!this.data || !this.split || !this.graph) return undefined;
    const got = this.pictures.probeFor(this.data, this.split, this.graph, this.config);
    if (got?.fresh) this.emit({ type: 'probe', probe: got.probe });
    return got?.probe;
  }

  /** Heatmap and projection of one run; failures are reported and never stop the run. */
  private async visualise(run: Run): Promise<void> {
    try {
      const probe = this.ensureProbe();
      if (!probe || !this.data) return;
      const viz = await this.pictures.picture(run.model, run.objective, run.trainer.step, this.data, probe, run === this.runs[0]);
      this.emit({ type: 'viz', viz });
    } catch (err) {
      this.emit({ type: 'notice', message: `${run.objective}: the heatmap or projection failed at step ${run.trainer.step}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  async embeddings(objective: ObjectiveName, cap: number) {
    const run = this.runs.find((r) => r.objective === objective);
    if (!run || !this.data || !this.split) return undefined;
    const pool = Int32Array.from([...this.split.heldOut, ...this.split.train].slice(0, cap));
    const { embeddings } = await embedSet(run.model, this.data, pool);
    return Comlink.transfer({ dim: run.model.cfg.model.projDim, vectors: embeddings, samples: sampleSet(this.data, pool) }, [embeddings.buffer]);
  }

  private onGpu(): boolean {
    return this.backend?.active === 'webgpu' || this.backend?.active === 'webgl';
  }

  /**
   * A failure on a GPU backend moves every run to WASM and returns true (the caller tries again); elsewhere the run
   * pauses with the error.
   */
  private async recover(err: unknown): Promise<boolean> {
    const message = err instanceof Error ? err.message : String(err);
    if (!this.onGpu()) {
      this.emit({ type: 'error', message: `training step failed: ${message}` });
      this.setState('paused');
      return false;
    }
    const from = this.backend!.active;
    const snapshots = await this.snapshotRuns();
    this.backend = await startBackend('wasm');
    this.backend = { ...this.backend, notice: `${from} failed (${message}); continued on ${this.backend.active}` };
    this.restoreRuns(snapshots);
    this.emit({ type: 'backend', info: this.backend });
    const steps = this.runs.map((r) => `${r.objective} at step ${r.trainer.step}`).join(', ');
    this.emit({ type: 'notice', message: `${this.backend.notice}: ${steps}` });
    return true;
  }

  private async checkpoint(run: Run): Promise<Checkpoint> {
    return { step: run.trainer.step, params: await run.model.params.snapshot(), optimizer: await run.trainer.optimizer.snapshot() };
  }

  /** Current weights of every run as numbers; from the last checkpoint where the device can no longer be read. */
  private async snapshotRuns(): Promise<Map<ObjectiveName, Checkpoint>> {
    const out = new Map<ObjectiveName, Checkpoint>();
    for (const run of this.runs) {
      try {
        out.set(run.objective, await this.checkpoint(run));
      } catch {
        const saved = this.checkpoints.get(run.objective);
        if (saved) out.set(run.objective, saved);
      }
    }
    return out;
  }

  /** Re-creates every run's variables on the active backend from the snapshots; a run without one restarts. */
  private restoreRuns(snapshots: Map<ObjectiveName, Checkpoint>): void {
    let restarted = false;
    this.runs = this.runs.map((run) => {
      const snap = snapshots.get(run.objective);
      if (snap) {
        run.model.params.restore(snap.params);
        run.trainer.optimizer.restore(snap.optimizer);
        run.trainer.step = snap.step;
        return run;
      }
      this.emit({ type: 'notice', message: `${run.objective}: its weights could not be read back; the run restarts from step 0` });
      try {
        run.trainer.dispose();
        run.model.dispose();
      } catch {
        /* the old device is gone: nothing left to free */
      }
      restarted = true;
      return this.buildRun(run.objective);
    });
    if (restarted) this.emitRuns();
  }

  private disposeRuns(): void {
    for (const run of this.runs) {
      run.trainer.dispose();
      run.model.dispose();
    }
    this.runs = [];
    this.checkpoints.clear();
  }
}
