/**
 * The one description of what crosses a worker boundary, shared by both sides: every type the page and the
 * workers exchange is defined here, or (for the core's own value types) re-exported from here, so the page imports
 * this file and client.ts and nothing else of src/worker.
 * Commands go to the training worker as calls on TrainerApi (through Comlink); events come back through the
 * callback given to `init`. The UMAP worker answers UmapApi. Only plain numbers, strings, Blobs and typed arrays
 * cross; the worker owns every tensor.
 */
import type { RunOrigin } from '../core/checkpoint';
import type { BackendChoice, ObjectiveName, Settings, TrainConfig } from '../core/config';
import type { Neighbour, TargetNeighbours } from '../core/captionGraph';
import type { HeldOutBy } from '../core/dataset';
import type { EvalMetrics } from '../core/evaluate';
import type { ProbeConfusion } from '../core/confusion';
import type { HistoryRow, StepReport } from '../core/trainer';
import type { ColumnChoice, Detection } from '../data/formats';
import type { ShardLimits } from '../data/webdatasetShards';
import type { FormatName, LoadReport, LoadReportCounts } from '../data/loadReport';

export type { RunOrigin };
export type { BackendChoice, EvalMetrics, HistoryRow, ProbeConfusion, LoadReport, Neighbour, ObjectiveName, Settings, StepReport, TargetNeighbours, TrainConfig };

/** A CSV / TSV whose columns the user may pick (see data/formats). */
export type ColumnTable = Detection['table'];

/** A file as the loader sees it: a '/'-separated path relative to what the user chose, and its bytes. */
export interface SourceFile {
  path: string;
  blob: Blob; // Files and Blobs are cloned by reference: their bytes are not copied
}

export interface LoadOptions {
  imageSize: number;
  classTemplate: string;
  columns?: ColumnChoice;
}

export interface LoadProgress {
  phase: 'reading' | 'decoding';
  done: number;
  total: number;
  filesPerSec: number;
  etaSec: number;
}

/** A comparison kept in this browser, as the list shows it. */
export interface SavedRunSummary {
  id: string;
  name: string;
  savedAt: string;
  objectives: ObjectiveName[];
  steps: number[];
  dataset: { name: string; size: number };
}

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendInfo {
  requested: BackendChoice;
  active: BackendName;
  adapter: string; // the WebGPU adapter (vendor, architecture) or a short description of the CPU backend
  notice?: string; // why the active backend differs from the requested one
}

export interface DatasetSummary {
  name: string;
  size: number;
  trainSize: number;
  heldOutSize: number;
  imageSize: number;
  labels: number; // number of classes, 0 when unlabelled
  graph: string; // what the X-Sample caption graph is made of
  format: FormatName;
  heldOutBy: HeldOutBy;
}

export interface AssetUrls {
  encoderModelUrl: string;
  encoderVocabUrl: string;
}

/** A sample of the dataset for the UI: SampleSet with the image size. */
export interface DatasetPreview extends SampleSet {
  imageSize: number;
}

/** What a load ended with: the new dataset (absent when nothing could be used), the report's counts, a table to fix. */
export interface LoadOutcome {
  summary?: DatasetSummary;
  report: LoadReportCounts; // the entries came with the 'load-report' event

  table?: ColumnTable;
}

/** The fixed samples the heatmaps and projections show (sent once per dataset, graph and τ_s). */
export interface ProbeInfo {
  imageSize: number;
  tauS: number;
  heatmap: SampleSet; // the probe batch, in heatmap order
  target: Float32Array; // X-Sample target s (P, P)
  points: SampleSet; // the held-out samples of the projections
}

export interface SampleSet {
  indices: number[];
  ids: string[];
  captions: string[];
  labels: string[];
  pixels: Uint8Array; // n·S·S·3
}

/** One run's pictures at one step. */
export interface RunViz {
  objective: ObjectiveName;
  step: number;
  learned: Float32Array; // p over the probe batch (P, P)
  kind: 'image–image' | 'image–text';
  kl: number; // mean KL(s‖p)
  pca: Float32Array; // (n, 2), aligned by Procrustes to the first run
  explained: [number, number];
}

export interface RunResult {
  objective: ObjectiveName;
  config: TrainConfig;
  backend: BackendInfo;
  dataset: DatasetSummary;
  steps: number;
  stepsPerSec: number; // over the steps of this run (training only)
  history: HistoryRow[];
  metrics: EvalMetrics[];
  final?: EvalMetrics;
}

export interface BenchmarkRequest {
  config: Settings;
  objectives: ObjectiveName[];
  backends: BackendName[];
  steps: number; // timed steps, after 2 untimed warm-up steps
}

export interface BenchmarkResult {
  backend: BackendName;
  objective: ObjectiveName;
  started: boolean; // false when the backend could not start (then only `note` is set)
  adapter: string;
  note?: string;
  medianMs: number;
  imagesPerSec: number;
  tensorsBefore: number;
  tensorsAfter: number;
  kernelsPerStep: number;
  firstLoss: number;
  lastLoss: number;
}

export type RunState = 'idle' | 'running' | 'paused' | 'done';

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
}

export type TrainEvent =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'dataset'; summary: DatasetSummary }
  | { type: 'runs'; objectives: ObjectiveName[]; params: Record<string, number> } // every run (re)built: all curves start afresh
  // One run (re)built at `step` (imported, resumed, or restored after a device failure) with the history and metrics
  // it keeps: they replace that run's curves; the other runs keep theirs.
  // origin: where its weights were trained ('pytorch': an imported run of the PyTorch trainer).
  | { type: 'run'; objective: ObjectiveName; params: number; step: number; history: StepReport[]; metrics: EvalMetrics[]; origin: RunOrigin }
  // An imported run shown beside the live run of its objective, as a reference (its curves and metrics only: it does
  // not train); a later one of the same objective replaces it. 'reference-removed': the user took it away, or trains on from it.
  | { type: 'reference'; objective: ObjectiveName; origin: RunOrigin; step: number; history: StepReport[]; metrics: EvalMetrics[]; dataset?: string }
  | { type: 'reference-removed'; objective: ObjectiveName }
  | { type: 'run-removed'; objective: ObjectiveName } // the user unticked its objective: the run and its curves are gone
  | { type: 'step'; objective: ObjectiveName; report: StepReport; memory: MemoryInfo }
  | { type: 'metrics'; objective: ObjectiveName; metrics: EvalMetrics }
  // The held-out evaluation of one run began (done: false) or ended (done: true, with or without metrics).
  | { type: 'evaluating'; objective: ObjectiveName; step: number; done: boolean }
  | { type: 'probe'; probe: ProbeInfo }
  | { type: 'viz'; viz: RunViz }
  | { type: 'state'; state: RunState; step: number; totalSteps: number }
  | { type: 'load-progress'; progress: LoadProgress }
  | { type: 'graph-progress'; done: number; total: number; cached: number }
  | { type: 'dataset-export-progress'; done: number; total: number } // samples written into the shards so far
  | { type: 'load-report'; report: LoadReport; table?: ColumnTable }
  | { type: 'saved'; runs: SavedRunSummary[]; current?: string }
  | { type: 'config'; config: Settings; objectives: ObjectiveName[] } // the worker changed them (a resumed or imported run)
  | { type: 'notice'; message: string }
  | { type: 'error'; message: string }
  | { type: 'seeds'; update: SeedRepeatUpdate }; // "Repeat with n seeds" (seedRepeats.ts)

/** Where a repeat over seeds stands: a failed one says why in its `state` update's message. */
export type SeedRepeatState = 'running' | 'paused' | 'done' | 'cancelled' | 'failed';

/** One seed's final held-out metrics of every objective (core/seedSummary's SeedRun). */
export interface SeedRunResult {
  seed: number;
  results: { objective: ObjectiveName; final?: EvalMetrics }[];
}

/** What a repeat over seeds tells the page, in order: begin, then steps, evaluations and finished seeds, and states. */
export type SeedRepeatUpdate =
  | { kind: 'begin'; seeds: number[]; objectives: ObjectiveName[]; totalSteps: number; dataset: string }
  | { kind: 'step'; seed: number; objective: ObjectiveName; step: number; loss: number }
  | { kind: 'metrics'; seed: number; objective: ObjectiveName; metrics: EvalMetrics }
  | { kind: 'seed-done'; run: SeedRunResult }
  | { kind: 'state'; state: SeedRepeatState; message?: string };

export type EventSink = (event: TrainEvent) => void;

export interface TrainerApi {
  /** Registers the event callback, the URLs of the bundled assets, and starts the requested backend. */
  /** wasmThreads: the WASM backend's thread count, 0 for automatic (one fewer than the cores). */
  init(onEvent: EventSink, backend: BackendChoice, assets: AssetUrls, wasmThreads?: number): Promise<BackendInfo>;
  /** An embeddings file for the 'file' caption graph (.npy, .json or .csv); errors name what does not match. */
  setGraphFile(name: string, content: ArrayBuffer): Promise<string>;
  /** The X-Sample target distribution of one sample over the training set at τ_s: its top-k neighbours. */
  targetNeighbours(index: number, tauS: number, k: number): Promise<TargetNeighbours | undefined>;
  setBackend(choice: BackendChoice): Promise<BackendInfo>;
  /**
   * Loads files, folders and zips the user chose (decoded in the worker). A run keeps training while they load;
   * it is replaced only when the new data is ready, and kept when nothing in it can be used.
   */
  loadFiles(files: SourceFile[], source: string, opts: LoadOptions): Promise<LoadOutcome>;
  /** Fetches a zip (the demo set) and loads it like a user's zip. */
  loadUrl(url: string, source: string, opts: LoadOptions): Promise<LoadOutcome>;
  /** Stops a load in progress; the current dataset stays. */
  cancelLoad(): Promise<void>;
  /** A seeded sample of the dataset for the UI: RGB thumbnails (count·S·S·3) with their captions and labels. */
  preview(count: number): Promise<DatasetPreview | undefined>;
  /** A generated set of coloured shapes, made inside the worker (no transfer). */
  loadShapes(count: number, imageSize: number, seed: number): Promise<DatasetSummary>;
  /**
   * Validates and applies the session's settings (an `objective` among them is ignored) and the objectives to train
   * side by side; resets the runs. Returns errors, naming the setting and what it allows.
   */
  configure(config: Settings, objectives: ObjectiveName[]): Promise<string[]>;
  start(): Promise<void>;
  pause(): Promise<void>;
  /** One step of every run, then paused. */
  step(): Promise<void>;
  /** Back to step 0 with fresh weights from the seed. */
  reset(): Promise<void>;
  memory(): Promise<MemoryInfo>;
  /** Times training steps on each backend that starts (for `npm run bench`); the current runs are kept. */
  benchmark(request: BenchmarkRequest): Promise<BenchmarkResult[]>;
  /** Unit embeddings of up to `cap` samples (held-out first) of one run, for UMAP on the page. */
  embeddings(objective: ObjectiveName, cap: number): Promise<RunEmbeddings | undefined>;
  /** "Try it": the held-out images nearest to a query, for every run side by side (k each). */
  tryIt(query: TryQuery, k: number): Promise<TryResult | undefined>;
  /** Everything to take a run away: weights (TF.js and safetensors), config, metrics, histories, Projector files. */
  exportRun(objective: ObjectiveName): Promise<Record<string, Uint8Array>>;
  /**
   * The loaded dataset prepared for other trainers: WebDataset shards of the app's train / held-out split (original
   * image files, captions, labels, caption-graph vectors) and dataset.json, in one zip (see data/webdatasetShards).
   */
  exportDataset(limits?: ShardLimits): Promise<DatasetExport>;
  /**
   * Loads an exported run (the app's zip, the PyTorch trainer's, or model.json + its weights file) as a run, to
   * continue or to evaluate; a zip's history and metrics come with it, and its origin (browser or PyTorch).
   */
  importRun(files: SourceFile[], mode?: ImportMode): Promise<string>;
  /** Takes a reference run (an import shown beside a run) off the page. */
  removeReference(objective: ObjectiveName): Promise<void>;
  /** Trains on from a reference run's weights: it replaces the live run of its objective (importRun's 'continue'). */
  continueFromReference(objective: ObjectiveName): Promise<string>;
  /** Runs kept in this browser (IndexedDB). */
  savedRuns(): Promise<SavedRunSummary[]>;
  renameSaved(id: string, name: string): Promise<void>;
  deleteSaved(id: string): Promise<void>;
  /** Restores a saved comparison on the loaded dataset (the same one it trained on), paused at its last step. */
  resumeSaved(id: string): Promise<void>;
  /** Every run's config, loss history and metrics so far (for the headless experiment runner and exports). */
  results(): Promise<RunResult[]>;
  /**
   * "Repeat with n seeds" (2-5): every objective trained afresh on the session's seed and the n − 1 after it, one
   * seed after another, beside the session's runs (which pause and stay as they are). Returns once it has begun.
   */
  repeatSeeds(count: number): Promise<void>;
  /** Pauses the repeat between two steps. */
  pauseSeeds(): Promise<void>;
  /** Goes on with a paused repeat (the session's runs pause). */
  resumeSeeds(): Promise<void>;
  /** Stops the repeat; the seeds it finished stay. */
  cancelSeeds(): Promise<void>;
  /**
   * Makes the next training step fail inside its loss computation, as a lost GPU device would (for the fallback
   * test and for users to try it): on a GPU backend the runs move to WASM and the step is retried on the same batch.
   */
  simulateBackendFailure(): Promise<void>;
  /**
   * Makes the next step start from NaN weights (for the NaN guard's tests): its loss is NaN, the run goes back to its
   * last good weights and pauses with an error that says so.
   */
  simulateNonFiniteLoss(): Promise<void>;
}

/**
 * What an import does with a run of an objective that already has one here. 'continue': it replaces that run and
 * training goes on from its weights. 'beside': it is shown beside it as a reference run (curves and metrics), the live
 * run untouched. 'auto' (the default): 'beside' for a run trained in PyTorch that meets a run of its objective,
 * 'continue' otherwise (an app's own run zip continues that run, as before).
 */
export type ImportMode = 'auto' | 'beside' | 'continue';

/** The prepared dataset: a zip of the shards and dataset.json, its file name, and what it holds in a sentence. */
export interface DatasetExport {
  name: string;
  zip: Uint8Array;
  note: string;
}

/** A question for "Try it": an image (RGB at the dataset's size), one of the dataset's images, or a text. */
export type TryQuery = { kind: 'image'; pixels: Uint8Array } | { kind: 'sample'; index: number } | { kind: 'text'; text: string };

/** One run's answer: held-out images by similarity, best first (positions in TryResult.samples). */
export interface TryAnswer {
  objective: ObjectiveName;
  step: number;
  /** 'image': by its image tower; 'text': by its text tower; 'captions': the stand-in (captions closest in words). */
  by: 'image' | 'text' | 'captions';
  /** Why the run cannot answer the question itself (a text for an image-only run), in a sentence. */
  note?: string;
  neighbours: { sample: number; score: number }[];
}

export interface TryResult {
  imageSize: number;
  /** The query image when it was one of the dataset's (for the page to show it). */
  query?: SampleSet;
  answers: TryAnswer[];
  /** The held-out images the answers name, once each. */
  samples: SampleSet;
}

/** Unit embeddings of some samples of one run (rows of `dim` values), with the samples they belong to. */
export interface RunEmbeddings {
  dim: number;
  vectors: Float32Array;
  samples: SampleSet;
}

/** The UMAP worker (umapWorker.ts). */
export interface UmapApi {
  /** UMAP (umap-js) of (n, dim) unit rows to (n, 2), seeded, with progress per batch of epochs. */
  run(vectors: Float32Array, dim: number, seed: number, onProgress: (done: number, total: number) => void): Promise<Float32Array>;
}
