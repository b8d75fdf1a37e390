import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, exportTfjs, importTfjs, parseModelJson } from '../../src/core/checkpoint';
import { withDefaults } from '../../src/core/config';
import { ContrastiveModel } from '../../src/core/model';
import { parseEmbeddingFile, parseNpy } from '../../src/text/embeddingFile';

/**
 * Hostile checkpoints and embeddings files (issue 11): each is refused with a message that names the file and the
 * field or row, and nothing is half-loaded.
 */

const cfg = withDefaults({ objective: 'clip', batchSize: 8, model: { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 8, textWidth: 16 } });

async function exported() {
  const model = new ContrastiveModel(cfg, ['a red circle', 'a blue square']);
  const files = await exportTfjs(await model.params.snapshot(), { format: CHECKPOINT_FORMAT, config: cfg, step: 3, vocab: model.tokenizer!.vocab, createdAt: 'now' });
  model.dispose();
  return files;
}

type Json = Record<string, unknown> & { userDefinedMetadata: Record<string, unknown> & { config: Record<string, unknown> } };
const edit = (text: string, f: (j: Json) => void) => {
  const j = JSON.parse(text) as Json;
  f(j);
  return JSON.stringify(j);
};

const CHECKPOINT_CASES: { name: string; change: (j: Json) => void; message: RegExp }[] = [
  { name: 'an objective that is no objective', change: (j) => (j.userDefinedMetadata.config.objective = 'dino'), message: /model\.json: userDefinedMetadata\.config\.objective: expected \("clip" \| "xsample" \| "siglip" \| "simclr" \| "xclip"\), got "dino"/ },
  { name: 'an objective named constructor', change: (j) => (j.userDefinedMetadata.config.objective = 'constructor'), message: /objective: expected .*got "constructor"/ },
  { name: 'an objective named __proto__', change: (j) => (j.userDefinedMetadata.config.objective = '__proto__'), message: /objective: expected .*got "__proto__"/ },
  { name: 'an objective named toString', change: (j) => (j.userDefinedMetadata.config.objective = 'toString'), message: /objective: expected .*got "toString"/ },
  { name: 'a negative step', change: (j) => (j.userDefinedMetadata.step = -5), message: /model\.json: userDefinedMetadata\.step: expected >=0, got -5/ },
  { name: 'a step that is not a number', change: (j) => (j.userDefinedMetadata.step = 'ten'), message: /userDefinedMetadata\.step: expected number, got "ten"/ },
  { name: 'a fractional step', change: (j) => (j.userDefinedMetadata.step = 2.5), message: /userDefinedMetadata\.step: expected !?integer|userDefinedMetadata\.step/ },
  { name: 'an unknown config field', change: (j) => (j.userDefinedMetadata.config.evil = 1), message: /userDefinedMetadata\.config\.evil: is not a known field/ },
  { name: 'a learning rate as a string', change: (j) => (j.userDefinedMetadata.config.lr = '1e-3'), message: /userDefinedMetadata\.config\.lr: expected number/ },
  { name: 'an out-of-range batch size (validateConfig)', change: (j) => (j.userDefinedMetadata.config.batchSize = 100000), message: /userDefinedMetadata\.config: .*batchSize/ },
  { name: 'a model width that is not a number', change: (j) => ((j.userDefinedMetadata.config.model as Record<string, unknown>).width = null), message: /userDefinedMetadata\.config\.model\.width: expected number, got null/ },
  { name: 'a graph source that does not exist', change: (j) => (j.userDefinedMetadata.config.graph = 'hasOwnProperty'), message: /config\.graph: expected \("encoder"/ },
  { name: 'a tensor of dtype int32', change: (j) => (((j.weightsManifest as { weights: { dtype: string }[] }[])[0].weights[0].dtype = 'int32')), message: /weightsManifest\.0\.weights\.0\.dtype: expected "float32", got "int32"/ },
  { name: 'a tensor with a negative dimension', change: (j) => ((j.weightsManifest as { weights: { shape: number[] }[] }[])[0].weights[0].shape = [-1, 4]), message: /weights\.0\.shape\.0: expected >=1, got -1/ },
  { name: 'a tensor named __proto__', change: (j) => ((j.weightsManifest as { weights: { name: string }[] }[])[0].weights[0].name = '__proto__'), message: /weights\.0\.name: expected a tensor name other than __proto__|weights\.0\.name/ },
  { name: 'a tensor named twice', change: (j) => { const w = (j.weightsManifest as { weights: { name: string }[] }[])[0].weights; w[1].name = w[0].name; }, message: /names tensor .* twice/ },
  { name: 'a foreign format', change: (j) => (j.userDefinedMetadata.format = 'layers-model'), message: /not written by this app \(userDefinedMetadata\.format is "layers-model"\)/ },
  { name: 'a manifest that is not a list', change: (j) => (j.weightsManifest = { paths: ['x'] }), message: /model\.json: weightsManifest: expected Array/ },
  { name: 'a vocabulary of numbers', change: (j) => (j.userDefinedMetadata.vocab = [1, 2]), message: /userDefinedMetadata\.vocab\.0: expected string, got 1/ },
];

describe('hostile checkpoints', () => {
  for (const c of CHECKPOINT_CASES)
    it(`refuses ${c.name}`, async () => {
      const files = await exported();
      const text = edit(files.modelJson, c.change);
      expect(() => importTfjs(text, files.weightsBin.slice().buffer)).toThrow(c.message);
    });

  it('refuses model.json that is not JSON, or is null, naming the file', () => {
    expect(() => parseModelJson('{"a":', 'run/model.json')).toThrow(/run\/model\.json is not valid JSON/);
    expect(() => parseModelJson('null', 'model.json')).toThrow(/not written by this app/);
  });

  it('refuses all-NaN and Infinity weights, naming the tensor', async () => {
    const files = await exported();
    const nan = new Float32Array(files.weightsBin.length / 4).fill(NaN);
    expect(() => importTfjs(files.modelJson, nan.buffer, { model: 'model.json', weights: 'model.weights.bin' })).toThrow(/model\.weights\.bin: tensor \S+ holds NaN at element 0/);
    const inf = new Float32Array(files.weightsBin.slice().buffer);
    inf[inf.length - 1] = Infinity;
    expect(() => importTfjs(files.modelJson, inf.buffer)).toThrow(/holds Infinity/);
  });

  it('still reads back what it wrote, and a checkpoint missing new config fields gets the defaults', async () => {
    const files = await exported();
    expect(importTfjs(files.modelJson, files.weightsBin.slice().buffer).meta.step).toBe(3);
    const older = edit(files.modelJson, (j) => delete j.userDefinedMetadata.config.probeSize);
    expect(importTfjs(older, files.weightsBin.slice().buffer).meta.config.probeSize).toBe(withDefaults().probeSize);
  });
});

function npy(values: Float32Array, shape: string): ArrayBuffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + values.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(values.buffer), 10 + header.length);
  return out.buffer;
}
const text = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;

const EMBEDDING_CASES: { name: string; file: string; content: () => ArrayBuffer; message: RegExp }[] = [
  { name: 'a NaN in a .npy', file: 'e.npy', content: () => npy(Float32Array.from([1, 2, 3, NaN]), '(2, 2)'), message: /e\.npy: row 2 holds NaN at value 2; every value must be a finite number/ },
  { name: 'an Infinity in a .npy', file: 'e.npy', content: () => npy(Float32Array.from([Infinity, 2, 3, 4]), '(2, 2)'), message: /e\.npy: row 1 holds Infinity at value 1/ },
  { name: 'a .npy of zero-length rows (shape (3, 0))', file: 'e.npy', content: () => npy(new Float32Array(0), '(3, 0)'), message: /must be two whole numbers of at least 1/ },
  { name: 'a .npy with a negative shape', file: 'e.npy', content: () => npy(new Float32Array(0), '(-2, 4)'), message: /must be two whole numbers of at least 1/ },
  { name: 'a .npy whose header length runs past the file', file: 'e.npy', content: () => { const b = new Uint8Array(npy(Float32Array.from([1, 2]), '(1, 2)')); new DataView(b.buffer).setUint16(8, 60000, true); return b.buffer; }, message: /header runs past the end/ },
  { name: 'a .npy whose data is cut short mid-value (no bare RangeError)', file: 'e.npy', content: () => npy(Float32Array.from([1, 2, 3, 4]), '(2, 2)').slice(0, -3), message: /e\.npy: the header says 2×2 but the file holds 3 values/ },
  { name: 'a .npy of 2 bytes', file: 'e.npy', content: () => new Uint8Array([0x93, 0x4e]).buffer, message: /e\.npy: not a \.npy file \(2 bytes\)/ },
  { name: 'a .npy row of zeros', file: 'e.npy', content: () => npy(Float32Array.from([1, 2, 0, 0]), '(2, 2)'), message: /e\.npy: row 2 is all zeros/ },
  { name: 'a CSV with "NaN"', file: 'e.csv', content: () => text('file_name,a,b\nx.jpg,1,2\ny.jpg,NaN,3\n'), message: /e\.csv: row 3 \(y\.jpg\) holds "NaN" at value 1/ },
  { name: 'a CSV with "Infinity"', file: 'e.csv', content: () => text('file_name,a,b\nx.jpg,1,Infinity\n'), message: /holds "Infinity" at value 2/ },
  { name: 'a CSV with an empty cell', file: 'e.csv', content: () => text('file_name,a,b\nx.jpg,1,\n'), message: /holds "" at value 2/ },
  { name: 'a CSV with only file names (zero-length vectors)', file: 'e.csv', content: () => text('file_name\nx.jpg\ny.jpg\n'), message: /row x\.jpg has no values/ },
  { name: 'a JSON list with a null value', file: 'e.json', content: () => text('[{"file_name":"x.jpg","embedding":[1,null]}]'), message: /e\.json: 0\.embedding\.1: expected number, got null/ },
  { name: 'a JSON object whose value is a number', file: 'e.json', content: () => text('{"x.jpg": 5}'), message: /e\.json: x\.jpg: expected Array, got 5/ },
  { name: 'a JSON object of empty vectors', file: 'e.json', content: () => text('{"x.jpg": [], "y.jpg": []}'), message: /row x\.jpg has no values/ },
  { name: 'a JSON row of another width', file: 'e.json', content: () => text('{"x.jpg": [1,2], "y.jpg": [1]}'), message: /row y\.jpg has 1 values where the first row has 2/ },
  { name: 'a JSON number too large for a float (1e999 parses as Infinity)', file: 'e.json', content: () => text('{"x.jpg": [1e999, 1]}'), message: /e\.json: x\.jpg\.0: expected a finite number, got Infinity/ },
  { name: 'JSON that does not parse', file: 'e.json', content: () => text('{"x.jpg": [1,'), message: /e\.json is not valid JSON/ },
  { name: 'a list with a duplicated file name', file: 'e.json', content: () => text('[{"file_name":"x.jpg","embedding":[1]},{"file_name":"x.jpg","embedding":[2]}]'), message: /x\.jpg has two rows/ },
];

describe('hostile embeddings files', () => {
  for (const c of EMBEDDING_CASES)
    it(`refuses ${c.name}`, () => {
      expect(() => parseEmbeddingFile(c.file, c.content())).toThrow(c.message);
    });

  it('accepts a clean file of each kind', () => {
    expect(parseNpy(npy(Float32Array.from([1, 0, 0, 1]), '(2, 2)'), 'e.npy').dim).toBe(2);
    expect(parseEmbeddingFile('e.csv', text('file_name,a\nx.jpg,0.5\n')).keys).toEqual(['x.jpg']);
    expect(parseEmbeddingFile('e.json', text('{"x.jpg":[1,2]}')).dim).toBe(2);
  });
});
