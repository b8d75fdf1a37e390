import { strToU8 } from 'fflate';
import { version } from '../../package.json';
import { CHECKPOINT_FORMAT, encodeSafetensors, exportTfjs, timmKwargs, toTimmTensors } from '../core/checkpoint';
import { runAugment } from '../core/config';
import { type ImageSet, labelName } from '../core/dataset';
import { embedSet, type EvalMetrics } from '../core/evaluate';
import { exportReadme, TIMM_INPUT_NOTE } from '../core/exportReadme';
import { historyCsv, metadataTsv, metricsCsv, pointsCsv, projectorConfig, spriteGrid, vectorsTsv } from '../core/exportFiles';
import type { ContrastiveModel } from '../core/model';
import { imageEncoderOnnx, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT, onnxInputNote } from '../core/onnxExport';
import { pca2 } from '../core/projection';
import { historyRow, type StepReport } from '../core/trainer';
import type { BackendInfo, DatasetSummary } from './protocol';

/** Held-out samples in the Projector files (the Projector itself handles about this many smoothly). */
export const PROJECTOR_CAP = 5000;

/** RGB thumbnails laid out in the Projector's square sprite grid, as PNG bytes. */
async function spritePng(set: ImageSet, indices: Int32Array): Promise<Uint8Array> {
  const S = set.imageSize;
  const { columns, width, height } = spriteGrid(indices.length, S);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  const per = S * S * 3;
  indices.forEach((idx, k) => {
    const ox = (k % columns) * S;
    const oy = Math.floor(k / columns) * S;
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const src = idx * per + (y * S + x) * 3;
        const dst = ((oy + y) * width + ox + x) * 4;
        img.data[dst] = set.pixels[src];
        img.data[dst + 1] = set.pixels[src + 1];
        img.data[dst + 2] = set.pixels[src + 2];
        img.data[dst + 3] = 255;
      }
  });
  ctx.putImageData(img, 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

export async function buildExport(args: {
  model: ContrastiveModel;
  step: number;
  history: StepReport[];
  metrics: EvalMetrics[];
  set: ImageSet;
  heldOut: Int32Array;
  dataset: DatasetSummary;
  backend?: BackendInfo;
  /** The objective's final metrics on every seed of the last "Repeat with n seeds" (absent or empty: no seeds.json). */
  seeds?: { seed: number; final?: EvalMetrics }[];
}): Promise<Record<string, Uint8Array>> {
  const { model, step, set } = args;
  const cfg = model.cfg;
  const snapshot = await model.params.snapshot();
  const meta = { format: CHECKPOINT_FORMAT, config: cfg, step, vocab: model.tokenizer?.vocab, dataset: set.name, createdAt: new Date().toISOString() };
  const tfjs = await exportTfjs(snapshot, meta);
  const safetensors = encodeSafetensors(toTimmTensors(snapshot, cfg.model), {
    format: 'pt',
    objective: cfg.objective,
    step: String(step),
    timm_kwargs: JSON.stringify(timmKwargs(cfg.model)),
    input: TIMM_INPUT_NOTE,
  });
  const imageEncoder = imageEncoderOnnx(snapshot, cfg.model, { step, objective: cfg.objective, producerVersion: version });
  const history = args.history.map(historyRow);
  const pool = args.heldOut.slice(0, PROJECTOR_CAP);
  const { embeddings } = await embedSet(model, set, pool);
  const d = cfg.model.projDim;
  const rows = {
    ids: Array.from(pool, (i) => set.ids[i]),
    captions: Array.from(pool, (i) => set.captions[i]),
    labels: Array.from(pool, (i) => labelName(set, i)),
  };
  const { points } = pca2(embeddings, d);
  const json = (v: unknown) => strToU8(JSON.stringify(v, null, 2));
  return {
    'README.txt': strToU8(exportReadme(cfg.objective, cfg)),
    'model.json': strToU8(tfjs.modelJson),
    [tfjs.weightsName]: tfjs.weightsBin,
    'model.safetensors': safetensors,
    'image_encoder.onnx': imageEncoder,
    'config.json': json({
      origin: 'browser', // the PyTorch trainer writes 'pytorch'; Import weights labels the run by it
      objective: cfg.objective,
      step,
      config: cfg,
      augmentation: { recipe: cfg.augmentRecipe, ...runAugment(cfg) }, // what the run trained with (config.augment is the session's)
      timm: { class: 'timm.models.vision_transformer.VisionTransformer', kwargs: timmKwargs(cfg.model), input: TIMM_INPUT_NOTE },
      onnx: { file: 'image_encoder.onnx', opset: ONNX_OPSET, input: onnxInputNote(cfg.model), output: `${ONNX_OUTPUT}: float32 [batch, ${cfg.model.projDim}], unit L2 norm`, inputName: ONNX_INPUT },
      dataset: args.dataset,
      backend: args.backend,
      exportedAt: meta.createdAt,
    }),
    'metrics.json': json(args.metrics),
    'metrics.csv': strToU8(metricsCsv(args.metrics)),
    ...(args.seeds?.length ? { 'seeds.json': json({ objective: cfg.objective, seeds: args.seeds }) } : {}),
    'history.json': json(history),
    'history.csv': strToU8(historyCsv(history)),
    'projector/vectors.tsv': strToU8(vectorsTsv(embeddings, d)),
    'projector/metadata.tsv': strToU8(metadataTsv(rows)),
    'projector/sprite.png': await spritePng(set, pool),
    'projector/projector_config.pbtxt': strToU8(projectorConfig(`${cfg.objective} step ${step}`, pool.length, d, set.imageSize)),
    'projection.csv': strToU8(pointsCsv(points, rows)),
  };
}
