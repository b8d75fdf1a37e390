import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT, DEFAULT_SETTINGS, OPEN_CLIP_AUGMENT, runAugment, runConfig, type Settings, withDefaults } from '../../src/core/config';
import { splitHeldOut } from '../../src/core/dataset';
import { ContrastiveModel } from '../../src/core/model';
import { runRecipes } from '../../src/core/recipeSummary';
import { OBJECTIVE_NAMES, objectiveSpec } from '../../src/core/registry';
import { makeShapesSet } from '../../src/data/shapesSet';
import { tfidfGraph } from '../../src/text/tfidfGraph';
import { Comparison } from '../../src/worker/comparison';

const run = (settings: Settings, objective: (typeof OBJECTIVE_NAMES)[number]) => runConfig(settings, objective, objectiveSpec(objective).recipe);

describe('a recipe per objective', () => {
  it("CLIP, SigLIP and xclip train with open_clip's augmentation by default: crops of 90-100%, no flip, no jitter", () => {
    expect(OPEN_CLIP_AUGMENT).toEqual({ minCropScale: 0.9, flipProb: 0, brightness: 0, contrast: 0, saturation: 0 });
    for (const o of ['clip', 'siglip', 'xclip'] as const) {
      const cfg = run(DEFAULT_SETTINGS, o);
      expect(cfg.augmentRecipe, o).toBe('open_clip');
      expect(runAugment(cfg), o).toEqual(OPEN_CLIP_AUGMENT);
    }
    expect(withDefaults({ objective: 'clip' }).augmentRecipe).toBe('open_clip');
  });

  it("X-Sample and SimCLR keep the SimCLR-style augmentation (the session's): crops of 50-100%, flip, jitter", () => {
    expect(DEFAULT_AUGMENT).toEqual({ minCropScale: 0.5, flipProb: 0.5, brightness: 0.2, contrast: 0.2, saturation: 0.2 });
    for (const o of ['xsample', 'simclr'] as const) {
      const cfg = run(DEFAULT_SETTINGS, o);
      expect(cfg.augmentRecipe, o).toBe('session');
      expect(runAugment(cfg), o).toEqual(DEFAULT_AUGMENT);
      // The session's augmentation settings are theirs: a change reaches them, and not CLIP.
      const changed = { ...DEFAULT_SETTINGS, augment: { ...DEFAULT_AUGMENT, minCropScale: 0.3 } };
      expect(runAugment(run(changed, o)).minCropScale).toBe(0.3);
      expect(runAugment(run(changed, 'clip')).minCropScale).toBe(0.9);
    }
  });

  it('"same augmentation for every run" gives every run the session\'s augmentation', () => {
    const same = { ...DEFAULT_SETTINGS, sameAugment: true, augment: { ...DEFAULT_AUGMENT, flipProb: 0.25 } };
    const augments = OBJECTIVE_NAMES.map((o) => runAugment(run(same, o)));
    for (const a of augments) expect(a).toEqual(same.augment);
    expect(OBJECTIVE_NAMES.map((o) => run(same, o).augmentRecipe)).toEqual(OBJECTIVE_NAMES.map(() => 'session'));
  });

  it('the panel says per run which augmentation it uses and why', () => {
    const [clip, xsample] = runRecipes(DEFAULT_SETTINGS, ['clip', 'xsample']);
    expect(clip.text).toBe('open_clip: crops of 90–100% of the area, no flip, no colour jitter');
    expect(clip.why).toMatch(/what CLIP is trained with/);
    expect(xsample.text).toBe("the session's (below): crops of 50–100% of the area, flip 0.5, colour jitter 0.2");
    expect(xsample.why).toMatch(/X-CLR/);
    const same = runRecipes({ ...DEFAULT_SETTINGS, sameAugment: true }, ['clip', 'xsample']);
    expect(same.map((r) => r.text)).toEqual([xsample.text, xsample.text]);
    expect(same[0].why).toMatch(/same augmentation for every run is on/);
  });
});

describe("CLIP's starting temperature", () => {
  const small = withDefaults({ batchSize: 4, tau: 0.2, model: { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 8, textWidth: 16 } });
  const set = makeShapesSet(8, 16);
  const startScale = async (settings: Settings, objective: 'clip' | 'xclip' | 'siglip') => {
    const model = new ContrastiveModel(run(settings, objective), set.captions, tfidfGraph(set.captions));
    const t = Math.exp((await model.params.get('logit_scale').data())[0]);
    model.dispose();
    return t;
  };

  it("starts at open_clip's 1/0.07 by default and at X-Sample's 1/τ with the option (CLIP and xclip; SigLIP keeps 10)", async () => {
    expect(await startScale(small, 'clip')).toBeCloseTo(1 / 0.07, 4);
    const matched = { ...small, clipScaleFromTau: true };
    expect(await startScale(matched, 'clip')).toBeCloseTo(5, 4);
    expect(await startScale(matched, 'xclip')).toBeCloseTo(5, 4);
    expect(await startScale(matched, 'siglip')).toBeCloseTo(10, 4);
  });
});

describe('compare mode with a recipe per objective', () => {
  // Every image has three captions, so each batch draws caption choices: they must not depend on the recipe.
  const base = makeShapesSet(48, 16);
  const set = { ...base, allCaptions: base.captions.map((c, i) => [c, `${c} number ${i}`, `picture ${i % 5}`]) };
  const { train } = splitHeldOut(48, 0.25, 0);
  const settings = withDefaults({ batchSize: 8, seed: 5, model: { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 8, textWidth: 16 } });

  async function compare(config: Settings) {
    const runs = new Comparison(
      () => {},
      () => ({ data: set, train, graph: tfidfGraph(set.captions), config }),
    );
    runs.ensure(['clip', 'xsample', 'simclr']);
    const visual = async (i: number) => {
      const snap = await runs.runs[i].model.params.snapshot();
      return Object.fromEntries(Object.entries(snap).filter(([name]) => name.startsWith('visual')).map(([k, v]) => [k, Array.from(v.data)]));
    };
    const initial = await Promise.all([0, 1, 2].map(visual));
    const batches = runs.runs.map((r) => Array.from({ length: 12 }, () => r.trainer.nextBatch()));
    runs.dispose();
    return { initial, batches };
  }

  it('every objective starts from the same image-tower weights and sees the same batches and captions', async () => {
    const { initial, batches } = await compare(settings);
    expect(Object.keys(initial[0]).length).toBeGreaterThan(4);
    expect(initial[1]).toEqual(initial[0]);
    expect(initial[2]).toEqual(initial[0]);
    const [clip, xsample, simclr] = batches;
    for (let step = 0; step < clip.length; step++) {
      expect(Array.from(xsample[step].indices), `step ${step}`).toEqual(Array.from(clip[step].indices));
      expect(xsample[step].captions, `step ${step}`).toEqual(clip[step].captions);
      expect(simclr[step].captions, `step ${step}`).toEqual(clip[step].captions);
    }
    // The recipes differ: CLIP's crops are open_clip's and unflipped, X-Sample's are SimCLR's.
    expect(clip[0].views[0].jitter.brightness.every((b) => b === 0)).toBe(true);
    expect(xsample[0].views[0].jitter.brightness.some((b) => b !== 0)).toBe(true);
    // Two runs of the same recipe draw the same augmentation.
    expect(simclr.map((b) => b.views)).toEqual(xsample.map((b) => b.views));
  });

  it('with the same augmentation for every run, CLIP draws the first view X-Sample draws', async () => {
    const { batches } = await compare({ ...settings, sameAugment: true });
    const [clip, xsample] = batches;
    for (let step = 0; step < clip.length; step++) expect(clip[step].views[0]).toEqual(xsample[step].views[0]);
  });
});
