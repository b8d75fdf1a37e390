import * as Comlink from 'comlink';
import { DEFAULT_SETTINGS, type ObjectiveName, sessionSettings, type Settings } from '../core/config';
import { DEFAULT_OBJECTIVES, isObjectiveName, OBJECTIVE_NAMES } from '../core/registry';
import { validateConfig } from '../core/settingsTable';
import { type ImageSet, setSize, splitForSet } from '../core/dataset';
import { Rng } from '../core/rng';
import { reportCounts } from '../data/loadReport';
import { makeShapesSet } from '../data/shapesSet';
import { type CaptionGraph, targetNeighbours } from '../core/captionGraph';
import type { RunGround } from './comparison';
import { type DataSources } from './datasetExport';
import { loadDataset, unusableSet } from './datasetLoader';
import { CaptionGraphSource } from './graphSource';
import type {
  AssetUrls,
  BackendInfo,
  DatasetPreview,
  DatasetSummary,
  EventSink,
  LoadOptions,
  LoadOutcome,
  SourceFile,
  TargetNeighbours,
} from './protocol';
import { RunPictures, sampleSet } from './runPictures';

export const HELD_OUT_FRACTION = 0.2;
const OBJECTIVES_LIST = OBJECTIVE_NAMES.join(', ');

/** What the workspace asks of the session around a change of data, graph or config that the runs cannot outlive. */
export interface WorkspaceHooks {
  emit: EventSink;
  backend: () => BackendInfo | undefined;
  /** Before the change: stop the loop and drop the runs. */
  dropRuns: () => Promise<void>;
  /** After it: the (run-less) session is idle. */
  idle: () => void;
  /** Only the objectives changed: keep the runs of those still ticked, add runs for the new ones. */
  retainRuns: (objectives: ObjectiveName[]) => Promise<void>;
}

/** Equal as JSON, whatever the order of the keys. */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
      : Array.isArray(v) ? v.map(canonical) : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * What the runs stand on: the dataset (loaded from files, a URL or generated), its train / held-out split, its
 * caption graph, the config and the objectives to compare, and the probe batch of the pictures made for them.
 */
export class Workspace {
  data?: ImageSet;
  split?: ReturnType<typeof splitForSet>;
  graph?: CaptionGraph;
  config: Settings = DEFAULT_SETTINGS;
  objectives: ObjectiveName[] = [...DEFAULT_OBJECTIVES];
  readonly pictures = new RunPictures();
  private format: DatasetSummary['format'] = 'generated';
  /** The files the current data came from (for the dataset export); absent for a generated set. */
  sources?: DataSources;
  /** Decodes the current data again at another image size (when the model's input size changes). */
  private reloadAtSize?: (imageSize: number) => Promise<unknown>;
  private graphs?: CaptionGraphSource;
  private loadGeneration = 0;
  private loadCancelled = false;

  constructor(private readonly hooks: WorkspaceHooks) {}

  init(assets: AssetUrls): void {
    this.graphs = new CaptionGraphSource(assets, this.hooks.emit);
  }

  private get graphSource(): CaptionGraphSource {
    if (!this.graphs) throw new Error('the training worker was not initialised (init was not called)');
    return this.graphs;
  }

  /** What a run is built on; throws until a dataset is loaded. */
  ground(): RunGround {
    if (!this.data || !this.split || !this.graph) throw new Error('load a dataset before training');
    return { data: this.data, train: this.split.train, graph: this.graph, config: this.config };
  }

  /** What the runs of another seed stand on: this config with that seed, and the split that seed draws. */
  groundFor(seed: number): { ground: RunGround; split: ReturnType<typeof splitForSet> } {
    const { data, graph, config } = this.ground();
    const split = seed === config.seed ? this.split! : splitForSet(data, HELD_OUT_FRACTION, seed);
    return { ground: { data, train: split.train, graph, config: { ...config, seed } }, split };
  }

  // ---- loading ----

  async loadShapes(count: number, imageSize: number, seed: number): Promise<DatasetSummary> {
    const summary = await this.useData(makeShapesSet(count, imageSize, seed), 'generated', (size) => this.loadShapes(count, size, seed));
    this.sources = undefined;
    return summary;
  }

  async loadFiles(files: SourceFile[], source: string, opts: LoadOptions): Promise<LoadOutcome> {
    const generation = ++this.loadGeneration;
    this.loadCancelled = false;
    const result = await loadDataset(
      source,
      files,
      opts,
      (progress) => this.hooks.emit({ type: 'load-progress', progress }),
      () => this.loadCancelled || generation !== this.loadGeneration,
    );
    // A set too small to train on is refused with the reason, in the report the page shows (the data loaded stays).
    const unusable = result.set && unusableSet(result.set, HELD_OUT_FRACTION, this.config.seed);
    if (unusable) result.report.entries.unshift({ path: source, reason: `not used: ${unusable}; the previous dataset stays`, action: 'skipped' });
    this.hooks.emit({ type: 'load-report', report: result.report, table: result.table });
    if (!result.set || unusable) return { report: reportCounts(result.report), table: result.table };
    const format = result.report.format === 'none' ? 'generated' : result.report.format;
    const summary = await this.useData(result.set, format, (size) => this.loadFiles(files, source, { ...opts, imageSize: size }));
    this.sources = { files, format, formatDetail: result.report.formatDetail };
    return { summary, report: reportCounts(result.report), table: result.table };
  }

  async loadUrl(url: string, source: string, opts: LoadOptions): Promise<LoadOutcome> {
    const response = await fetch(url);
    if (!response.ok)
      throw new Error(`${source}: ${url} answered ${response.status}. The demo set is built by \`npm install\` (scripts/build-demo-set.mjs).`);
    const blob = await response.blob();
    return this.loadFiles([{ path: url.slice(url.lastIndexOf('/') + 1), blob }], source, opts);
  }

  cancelLoad(): void {
    this.loadCancelled = true;
  }

  private async useData(set: ImageSet, format: DatasetSummary['format'], reload: (imageSize: number) => Promise<unknown>): Promise<DatasetSummary> {
    if (setSize(set) < 2) throw new Error(`dataset ${set.name} has ${setSize(set)} image(s); training needs at least 2`);
    await this.hooks.dropRuns();
    this.format = format;
    this.reloadAtSize = reload;
    this.data = set;
    this.split = splitForSet(set, HELD_OUT_FRACTION, this.config.seed);
    await this.rebuildGraph();
    const summary = this.emitDataset();
    this.hooks.idle();
    return summary;
  }

  preview(count: number): DatasetPreview | undefined {
    const set = this.data;
    if (!set) return undefined;
    const pick = new Rng(7).permutation(setSize(set)).slice(0, Math.min(count, setSize(set)));
    const samples = sampleSet(set, pick);
    return Comlink.transfer({ imageSize: set.imageSize, ...samples }, [samples.pixels.buffer]);
  }

  summary(): DatasetSummary | undefined {
    const { data: set, split, graph } = this;
    if (!set || !split || !graph) return undefined;
    return {
      name: set.name,
      size: setSize(set),
      trainSize: split.train.length,
      heldOutSize: split.heldOut.length,
      imageSize: set.imageSize,
      labels: set.labelNames?.length ?? 0,
      graph: graph.kind,
      format: this.format,
      heldOutBy: split.by,
    };
  }

  private emitDataset(): DatasetSummary {
    const summary = this.summary()!;
    this.hooks.emit({ type: 'dataset', summary });
    return summary;
  }

  // ---- caption graph ----

  /** Builds the caption graph of the current data from the configured source (TF-IDF, with a notice, where it cannot). */
  private async rebuildGraph(): Promise<void> {
    const set = this.data;
    if (!set) return;
    const graphs = this.graphSource;
    this.pictures.reset();
    this.graph = await graphs.build(set, this.config.graph, this.config.centreGraph, this.hooks.backend());
  }

  async setGraphFile(name: string, content: ArrayBuffer): Promise<string> {
    const described = this.graphSource.setFile(name, content, this.data);
    if (this.config.graph === 'file') {
      await this.hooks.dropRuns();
      await this.rebuildGraph();
      if (this.data) this.emitDataset();
      this.hooks.idle();
    }
    return described;
  }

  targetNeighbours(index: number, tauS: number, k: number): TargetNeighbours | undefined {
    if (!this.data || !this.graph || !this.split) return undefined;
    return targetNeighbours(this.data, this.graph, this.split.train, index, tauS, k);
  }

  // ---- config ----

  /**
   * Validates and applies a config and the objectives; returns the errors, if any. A change of the config starts
   * the runs afresh; a change of the objectives alone keeps the runs of those still ticked.
   */
  async configure(settings: Settings, objectives: ObjectiveName[]): Promise<string[]> {
    const config = sessionSettings(settings); // each run adds its own objective
    const errors = validateConfig(config);
    if (objectives.length === 0) errors.push('choose at least one objective');
    for (const o of objectives) if (!isObjectiveName(o)) errors.push(`${JSON.stringify(o)} is no objective: one of ${OBJECTIVES_LIST}`);
    if (errors.length > 0) return errors;
    if (this.data && config.model.imageSize !== this.data.imageSize && this.reloadAtSize) await this.reloadAtSize(config.model.imageSize);
    if (this.data && config.model.imageSize !== this.data.imageSize)
      return [`the dataset is decoded at ${this.data.imageSize}px but the model expects ${config.model.imageSize}px`];
    const unique = [...new Set(objectives)];
    if (sameJson(config, this.config)) {
      // Only the objectives changed: the runs that still apply go on (a newly ticked one starts beside them).
      this.objectives = unique;
      await this.hooks.retainRuns(unique);
      return [];
    }
    await this.hooks.dropRuns();
    await this.adopt(config, unique);
    this.hooks.idle();
    return [];
  }

  /**
   * Takes a config and objectives the worker chose (a resumed save's) and says so with a `config` event; the split
   * and the graph follow them.
   */
  async resume(config: Settings, objectives: ObjectiveName[]): Promise<void> {
    this.hooks.emit({ type: 'config', config, objectives });
    await this.adopt(config, objectives);
  }

  /** The objectives of the runs there are now (after an import added one), told to the page when they changed. */
  setObjectives(objectives: ObjectiveName[]): void {
    if (objectives.join() === this.objectives.join()) return;
    this.objectives = objectives;
    this.hooks.emit({ type: 'config', config: this.config, objectives });
  }

  private async adopt(config: Settings, objectives: ObjectiveName[]): Promise<void> {
    const seedChanged = config.seed !== this.config.seed;
    const graphChanged = config.graph !== this.config.graph || config.centreGraph !== this.config.centreGraph;
    this.config = config;
    this.objectives = objectives;
    this.pictures.reset(); // the graph, the split or τ_s may have changed
    if (seedChanged && this.data) this.split = splitForSet(this.data, HELD_OUT_FRACTION, config.seed);
    if (graphChanged && this.data) await this.rebuildGraph();
    if ((seedChanged || graphChanged) && this.data) this.emitDataset();
  }
}
