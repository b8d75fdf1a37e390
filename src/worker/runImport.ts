import { CheckpointError, type CheckpointMeta, configMismatch, importTfjs, parseModelJson, parseRunFiles, type RunOrigin } from '../core/checkpoint';
import type { TrainConfig } from '../core/config';
import type { ImageSet } from '../core/dataset';
import type { EvalMetrics } from '../core/evaluate';
import type { ParamSnapshot } from '../core/params';
import type { StepReport } from '../core/trainer';
import type { SourceFile } from './protocol';
import { expandSources } from './sourceFiles';

const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
const MAX_RUN_JSON_BYTES = 256 * 1024 * 1024;

/** What an import brings: the weights, and from a run zip its origin, loss history and metrics. */
export interface ImportedRun {
  meta: CheckpointMeta;
  snapshot: Record<string, ParamSnapshot>;
  origin: RunOrigin;
  history: StepReport[];
  metrics: EvalMetrics[];
}

/**
 * Exported weights from the files the user chose (the export's zip, or model.json and its weights file), checked
 * against the current model and data: a checkpoint that does not fit says why.
 */
export async function readCheckpoint(
  input: SourceFile[],
  config: TrainConfig,
  data: ImageSet,
): Promise<ImportedRun> {
  try {
    return await read(input, config, data);
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    const what = input.length === 1 ? input[0].path : `${input.length} files`;
    throw new CheckpointError(`${what}: cannot be imported (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)})`);
  }
}

async function read(input: SourceFile[], config: TrainConfig, data: ImageSet): Promise<ImportedRun> {
  const { files, broken } = await expandSources(input);
  const modelFile = files.find((f) => f.path === 'model.json' || f.path.endsWith('/model.json'));
  if (!modelFile) {
    const seen = files.slice(0, 10).map((f) => f.path).join(', ') + (files.length > 10 ? `, … (${files.length} files)` : '');
    const why = broken.length > 0 ? `; ${broken[0].path}: ${broken[0].reason}` : '';
    throw new CheckpointError(`no model.json among ${seen || 'the files'}${why}`);
  }
  if (modelFile.blob.size > MAX_MODEL_JSON_BYTES) throw new CheckpointError(`${modelFile.path} is ${(modelFile.blob.size / 1e6).toFixed(0)} MB; a model.json of this app is well under ${MAX_MODEL_JSON_BYTES / 1e6} MB`);
  const text = await modelFile.blob.text();
  const { json } = parseModelJson(text, modelFile.path);
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const dir = modelFile.path.slice(0, modelFile.path.lastIndexOf('/') + 1);
  const weightFile = files.find((f) => paths.some((p) => f.path === dir + p || f.path.endsWith(`/${p}`) || f.path === p));
  if (!weightFile) throw new CheckpointError(`${modelFile.path} names ${paths.join(', ')}, which is not among the files: choose both files, or the zip`);
  const { meta, snapshot } = importTfjs(text, await weightFile.blob.arrayBuffer(), { model: modelFile.path, weights: weightFile.path });
  const problems = configMismatch(meta.config.model, config.model);
  // Weights the model does not have (or lacks) are named now, before any run is touched.
  if (problems.length > 0) throw new CheckpointError(`these weights do not fit the current model: ${problems.join('; ')}. Set the model to match, then import again.`);
  if (meta.config.model.imageSize !== data.imageSize) throw new CheckpointError(`the checkpoint expects ${meta.config.model.imageSize}px images; the dataset is at ${data.imageSize}px`);
  // The run's other files beside model.json (a zip's; chosen files may have none of them).
  const beside = async (name: string) => {
    const f = files.find((x) => x.path === dir + name);
    if (!f) return undefined;
    if (f.blob.size > MAX_RUN_JSON_BYTES) throw new CheckpointError(`${f.path} is ${(f.blob.size / 1e6).toFixed(0)} MB, over the ${MAX_RUN_JSON_BYTES / 1e6} MB this app reads`);
    return f.blob.text();
  };
  const names = { config: dir + 'config.json', history: dir + 'history.json', metrics: dir + 'metrics.json' };
  const run = parseRunFiles({ config: await beside('config.json'), history: await beside('history.json'), metrics: await beside('metrics.json') }, names, meta.config.objective);
  const trainSize = Math.max(1, Math.round(data.ids.length * 0.8));
  const history = run.history
    .filter((h) => h.step <= meta.step)
    .map((h): StepReport => ({
      step: h.step,
      epoch: Math.floor(((h.step - 1) * meta.config.batchSize) / trainSize),
      loss: h.loss,
      lr: h.lr,
      ms: h.ms,
      imagesPerSec: h.ms > 0 ? (meta.config.batchSize * 1000) / h.ms : 0,
      scalars: h.logitScale === undefined ? {} : { logitScale: h.logitScale },
    }));
  // Metrics are the held-out numbers of the data the run was evaluated on: kept only when that is the loaded data.
  const sameData = meta.dataset === data.name;
  return { meta, snapshot, origin: run.origin, history, metrics: sameData ? run.metrics.filter((m) => m.step <= meta.step) : [] };
}

/** What the page is told after an import. */
export function importNote(meta: CheckpointMeta, steps: number, origin: RunOrigin = 'browser'): string {
  return `imported ${meta.config.objective} weights${origin === 'pytorch' ? ' trained in PyTorch' : ''} from ${meta.dataset ?? 'another dataset'} at step ${meta.step}${
    meta.step < steps ? `; training continues to step ${steps}` : `; raise Steps above ${meta.step} to train on`
  } (optimizer moments start afresh)`;
}
