import { timmKwargs } from './checkpoint';
import type { TrainConfig } from './config';
import { ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT } from './onnxExport';

/** The README.txt of an export zip, DOM-free: what each file is and the few lines that use the model elsewhere. */

/** What the timm model (model.safetensors) takes. */
export const TIMM_INPUT_NOTE = 'RGB in [0, 1], centre-cropped and resized to img_size, then (x - 0.5) / 0.25, channels first for timm';

export function exportReadme(objective: string, cfg: TrainConfig): string {
  const m = cfg.model;
  const S = m.imageSize;
  const kw = Object.entries(timmKwargs(m))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? `'${v}'` : v === true ? 'True' : v === false ? 'False' : v}`)
    .join(', ');
  return `X-Sample Playground export: ${objective}

image_encoder.onnx               The image tower as an ONNX model (opset ${ONNX_OPSET}): image in, the app's image embedding out
                                 (ViT, projection head, L2 normalisation; the same numbers as the app to ~1e-7).
                                 input  "${ONNX_INPUT}": float32 [batch, ${S}, ${S}, 3], NHWC (channels last), RGB in [0, 1]
                                        (pixel / 255) of the image's centre square resized to ${S}x${S}, transparent
                                        pixels over white; no mean/std normalisation (the model does it).
                                 output "${ONNX_OUTPUT}": float32 [batch, ${m.projDim}], unit L2 norm (cosine = dot product).
  In a web page (npm install onnxruntime-web):

    import * as ort from 'onnxruntime-web';
    const session = await ort.InferenceSession.create('image_encoder.onnx');
    const ctx = new OffscreenCanvas(${S}, ${S}).getContext('2d');
    const side = Math.min(img.width, img.height);  // img: a loaded <img> or ImageBitmap
    ctx.drawImage(img, (img.width - side) / 2, (img.height - side) / 2, side, side, 0, 0, ${S}, ${S});
    const rgba = ctx.getImageData(0, 0, ${S}, ${S}).data;
    const x = Float32Array.from({ length: ${S * S * 3} }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)] / 255);
    const { ${ONNX_OUTPUT} } = await session.run({ ${ONNX_INPUT}: new ort.Tensor('float32', x, [1, ${S}, ${S}, 3]) });
    // ${ONNX_OUTPUT}.data: Float32Array(${m.projDim}), unit length

  In Python (pip install onnxruntime pillow numpy):

    import numpy as np, onnxruntime
    from PIL import Image, ImageOps
    session = onnxruntime.InferenceSession('image_encoder.onnx', providers=['CPUExecutionProvider'])
    img = ImageOps.fit(Image.open('photo.jpg').convert('RGB'), (${S}, ${S}))  # centre square, resized
    x = np.asarray(img, dtype=np.float32)[None] / 255  # (1, ${S}, ${S}, 3)
    ${ONNX_OUTPUT} = session.run(['${ONNX_OUTPUT}'], {'${ONNX_INPUT}': x})[0]  # (1, ${m.projDim}), unit rows

model.safetensors                The image tower under timm's ViT names and layouts; text tower and scalars under this
                                 app's names. In Python (pip install "timm>=0.6.5" safetensors; 0.5.x has no
                                 class_token argument):

    import timm, torch
    import torch.nn.functional as F
    from safetensors.torch import load_file
    from timm.models.vision_transformer import VisionTransformer
    model = VisionTransformer(${kw})
    state = {k: v for k, v in load_file('model.safetensors').items() if not k.startswith(('text.', 'logit_'))}
    model.load_state_dict(state)
    model.eval()
    # input x: ${TIMM_INPUT_NOTE}
    embedding = F.normalize(model(x), dim=-1)  # the app's image embedding (what the losses compare)
    features = model.forward_head(model.forward_features(x), pre_logits=True)  # the pooled features of k-NN and the probe

model.json + model.weights.bin   The weights of every tower in TensorFlow.js's weights format (tf.io), with the config,
                                 step and tokenizer in userDefinedMetadata, for re-import into this app ("Import
                                 weights"; this repository's Python trainer reads its tokenizer with --init). There is
                                 no model topology in it (modelTopology is null), so tf.loadLayersModel and
                                 tf.loadGraphModel cannot run it: outside the app use image_encoder.onnx or
                                 model.safetensors.
config.json                      The run's origin (browser or pytorch), config, the augmentation it trained with, the timm
                                 arguments above and the dataset.
history.csv / history.json       Loss, learning rate and step time of every step.
metrics.csv / metrics.json       Held-out metrics at every evaluation.
seeds.json                       After "Repeat with n seeds": this objective's final metrics on every seed.
projector/                       vectors.tsv, metadata.tsv, sprite.png and projector_config.pbtxt for
                                 https://projector.tensorflow.org (Load, then choose the files).
projection.csv                   The 2-D PCA coordinates of the same samples.
`;
}
