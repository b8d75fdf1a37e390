// Encodes the demo set's captions and class names with the app's frozen sentence encoder (Universal Sentence
// Encoder lite, on tfjs's WASM backend) at install time, so that a first visit builds the demo's caption graph
// without loading the encoder or running it in the browser. Writes, beside the encoder's weights:
//   public/models/use-lite/demo-captions.json  { model: 'use-lite-v1', dim: 512, texts: [...] }
//   public/models/use-lite/demo-captions.bin   float32 unit rows in the order of `texts`
// The worker uses them as a read-only cache keyed by text (src/text/sentenceEncoder.ts withPrecomputed): a text
// that is not there is encoded in the browser as before. Run after copy-models.mjs and build-demo-set.mjs.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { load } from '@tensorflow-models/universal-sentence-encoder';
import { unzipSync, strFromU8 } from 'fflate';
import Papa from 'papaparse';

const MODEL_DIR = 'public/models/use-lite';
const ZIP = 'public/demo/fluent-emoji-flat.zip';
const OUT_JSON = join(MODEL_DIR, 'demo-captions.json');
const OUT_BIN = join(MODEL_DIR, 'demo-captions.bin');
const DIM = 512;

const inputs = [ZIP, join(MODEL_DIR, 'model.json'), 'scripts/encode-demo-captions.mjs'];
if (existsSync(OUT_BIN) && inputs.every((f) => statSync(f).mtimeMs < statSync(OUT_BIN).mtimeMs) && !process.argv.includes('--force')) {
  console.log(`demo caption vectors: ${OUT_BIN} is up to date`);
  process.exit(0);
}

const t0 = Date.now();
const metadata = strFromU8(unzipSync(readFileSync(ZIP), { filter: (f) => f.name === 'metadata.csv' })['metadata.csv']);
const rows = Papa.parse(metadata, { header: true, skipEmptyLines: true }).data;
// The captions as the loader keeps them, and the class names as the class-label graph encodes them.
const texts = [...new Set([...rows.map((r) => String(r.text).trim()), ...rows.map((r) => String(r.label).replace(/[_-]+/g, ' '))])];

await tf.setBackend('wasm');
const json = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8'));
const weights = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(MODEL_DIR, p)))));
const model = tf.io.fromMemory({
  modelTopology: json.modelTopology,
  weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
  weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  format: json.format,
});
const vocabUrl = `data:application/json;base64,${readFileSync(join(MODEL_DIR, 'vocab.json')).toString('base64')}`;
const use = await load({ modelUrl: model, vocabUrl });

const out = new Float32Array(texts.length * DIM);
for (let s = 0; s < texts.length; s += 64) {
  const part = texts.slice(s, s + 64);
  const e = await use.embed(part.map((t) => t || ' '));
  const data = await e.data();
  e.dispose();
  part.forEach((_, i) => {
    let n = 0;
    for (let k = 0; k < DIM; k++) n += data[i * DIM + k] ** 2;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let k = 0; k < DIM; k++) out[(s + i) * DIM + k] = data[i * DIM + k] * inv;
  });
}
writeFileSync(OUT_JSON, JSON.stringify({ model: 'use-lite-v1', dim: DIM, texts }));
writeFileSync(OUT_BIN, out);
console.log(`demo caption vectors: ${texts.length} texts -> ${OUT_BIN} (${(out.byteLength / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
