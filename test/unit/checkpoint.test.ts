import { describe, expect, it } from 'vitest';
import { planAugment } from '../../src/core/augment';
import { configMismatch, encodeSafetensors, exportTfjs, importTfjs, parseSafetensorsHeader, toTimmTensors } from '../../src/core/checkpoint';
import { withDefaults } from '../../src/core/config';
import { imageBatch, splitHeldOut } from '../../src/core/dataset';
import { metadataTsv, spriteGrid, vectorsTsv } from '../../src/core/exportFiles';
import { ContrastiveModel } from '../../src/core/model';
import { Rng } from '../../src/core/rng';
import * as tf from '../../src/core/tf';
import { Trainer } from '../../src/core/trainer';
import { makeShapesSet } from '../../src/data/shapesSet';
import { tfidfGraph } from '../../src/text/tfidfGraph';

const cfg = withDefaults({ objective: 'clip', batchSize: 8, lr: 3e-3, model: { imageSize: 16, patchSize: 4, width: 16, depth: 2, heads: 2, projDim: 8, textWidth: 16 } });

describe('checkpoints', () => {
  it('round-trips the TensorFlow.js format bit for bit; the first loss after import equals the last before export', async () => {
    const set = makeShapesSet(40, 16);
    const { train } = splitHeldOut(40, 0.2, 0);
    const model = new ContrastiveModel(cfg, set.captions);
    const trainer = new Trainer(model, set, cfg, train);
    for (let i = 0; i < 5; i++) await trainer.trainStep();
    const batch = { indices: train.slice(0, 8), captions: Array.from(train.slice(0, 8), (i) => set.captions[i]), views: [planAugment(8, new Rng(9), cfg.augment)] };
    const lossOf = (m: ContrastiveModel) => tf.tidy(() => m.loss({ ...batch, images: imageBatch(set, batch.indices) }).dataSync()[0]);
    const before = lossOf(model);
    const snap = await model.params.snapshot();
    const files = await exportTfjs(snap, { format: 'xsample-playground-checkpoint/1', config: cfg, step: 5, vocab: model.tokenizer!.vocab, createdAt: 'now' });
    const back = importTfjs(files.modelJson, files.weightsBin.slice().buffer);
    expect(back.meta.step).toBe(5);
    expect(Object.keys(back.snapshot).sort()).toEqual(Object.keys(snap).sort());
    for (const k of Object.keys(snap)) {
      expect(back.snapshot[k].shape).toEqual(snap[k].shape);
      expect(new Uint8Array(back.snapshot[k].data.buffer, back.snapshot[k].data.byteOffset, back.snapshot[k].data.byteLength)).toEqual(
        new Uint8Array(snap[k].data.buffer, snap[k].data.byteOffset, snap[k].data.byteLength),
      );
    }
    const restored = new ContrastiveModel(back.meta.config, set.captions, undefined, back.meta.vocab);
    restored.params.restore(back.snapshot);
    expect(lossOf(restored)).toBe(before);
    trainer.dispose();
    model.dispose();
    restored.dispose();
  });

  it('names what does not match: a foreign model.json, a short weights file, another model config', async () => {
    expect(() => importTfjs('{"format":"layers-model","weightsManifest":[]}', new ArrayBuffer(0))).toThrow(/not written by this app/);
    const model = new ContrastiveModel({ ...cfg, objective: 'simclr' }, []);
    const files = await exportTfjs(await model.params.snapshot(), { format: 'xsample-playground-checkpoint/1', config: cfg, step: 0, createdAt: 'now' });
    expect(() => importTfjs(files.modelJson, files.weightsBin.slice(0, 100).buffer)).toThrow(/has 100 bytes; model.json describes \d+/);
    expect(configMismatch(cfg.model, { ...cfg.model, width: 32 })).toEqual(['width is 16 in the checkpoint but 32 in the current model']);
    model.dispose();
  });

  it("keeps a run's augmentation recipe and refuses a config whose recipe is unknown, naming the file and the field", async () => {
    const model = new ContrastiveModel(cfg, makeShapesSet(4, 16).captions);
    const meta = { format: 'xsample-playground-checkpoint/1', config: cfg, step: 0, vocab: model.tokenizer!.vocab, createdAt: 'now' };
    const files = await exportTfjs(await model.params.snapshot(), meta);
    expect(cfg.augmentRecipe).toBe('open_clip');
    expect(importTfjs(files.modelJson, files.weightsBin.slice().buffer).meta.config.augmentRecipe).toBe('open_clip');
    const json = JSON.parse(files.modelJson);
    json.userDefinedMetadata.config.augmentRecipe = 'autoaugment';
    expect(() => importTfjs(JSON.stringify(json), files.weightsBin.slice().buffer, { model: 'run/model.json', weights: 'w' })).toThrow(
      /^run\/model\.json: userDefinedMetadata\.config\.augmentRecipe: expected \("open_clip" \| "session"\), got "autoaugment"/,
    );
    json.userDefinedMetadata.config.augmentRecipe = 'session';
    json.userDefinedMetadata.config.sameAugment = 'yes';
    expect(() => importTfjs(JSON.stringify(json), files.weightsBin.slice().buffer)).toThrow(/userDefinedMetadata\.config\.sameAugment: expected boolean/);
    model.dispose();
  });

  it('writes safetensors whose header, dtypes, shapes and offsets cover the data exactly, with timm names', async () => {
    const model = new ContrastiveModel(cfg, makeShapesSet(10, 16).captions, tfidfGraph(['a']));
    const snap = await model.params.snapshot();
    const timm = toTimmTensors(snap, cfg.model);
    const bytes = encodeSafetensors(timm, { format: 'pt' });
    const h = parseSafetensorsHeader(bytes);
    expect((8 + h.headerLength) % 8).toBe(0);
    const entries = Object.entries(h.tensors).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
    let at = 0;
    for (const [, t] of entries) {
      expect(t.dtype).toBe('F32');
      expect(t.data_offsets[0]).toBe(at);
      expect(t.data_offsets[1] - t.data_offsets[0]).toBe(t.shape.reduce((a, b) => a * b, 1) * 4);
      at = t.data_offsets[1];
    }
    expect(8 + h.headerLength + at).toBe(bytes.length);
    const D = 16;
    expect(h.tensors['patch_embed.proj.weight'].shape).toEqual([D, 3, 4, 4]);
    expect(h.tensors.pos_embed.shape).toEqual([1, 16, D]);
    expect(h.tensors['blocks.1.attn.qkv.weight'].shape).toEqual([3 * D, D]);
    expect(h.tensors['blocks.0.mlp.fc1.weight'].shape).toEqual([2 * D, D]);
    expect(h.tensors['head.weight'].shape).toEqual([8, D]);
    expect(h.tensors.logit_scale.shape).toEqual([]);
    expect(Object.keys(h.tensors).some((k) => k.startsWith('text.'))).toBe(true);
    // The conv layout: timm[d, c, py, px] = ours[(py·P + px)·3 + c, d].
    const ours = snap['visual.patch_embed.proj.weight'].data;
    const conv = timm['patch_embed.proj.weight'].data;
    expect(conv[((5 * 3 + 2) * 4 + 1) * 4 + 3]).toBe(ours[((1 * 4 + 3) * 3 + 2) * D + 5]);
    // qkv rows: q then k then v, each the transpose of ours.
    const k = snap['visual.blocks.0.attn.k.weight'].data;
    expect(timm['blocks.0.attn.qkv.weight'].data[(D + 3) * D + 7]).toBe(k[7 * D + 3]);
    model.dispose();
  });
});

describe('projector files', () => {
  it('has one vectors row and one metadata row per sample, and a square sprite grid', () => {
    const v = new Float32Array([1, 0, 0, 1, 0.5, 0.5]);
    expect(vectorsTsv(v, 2).trim().split('\n')).toHaveLength(3);
    const meta = metadataTsv({ ids: ['a', 'b', 'c'], captions: ['x\ty', 'two\nlines', 'z'], labels: ['L', '', 'M'] }).trim().split('\n');
    expect(meta).toHaveLength(4);
    expect(meta[1]).toBe('x y\tL\ta');
    expect(spriteGrid(10, 32)).toEqual({ columns: 4, width: 128, height: 128 });
    expect(spriteGrid(16, 32)).toEqual({ columns: 4, width: 128, height: 128 });
  });
});
