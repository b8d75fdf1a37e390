import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/config';
import { ContrastiveModel } from '../../src/core/model';
import { DEFAULT_OBJECTIVES, isObjectiveName, OBJECTIVE_NAMES, OBJECTIVES, objectiveSpec } from '../../src/core/registry';
import { makeShapesSet } from '../../src/data/shapesSet';
import { tfidfGraph } from '../../src/text/tfidfGraph';
import { parseHash, toHash } from '../../src/ui/urlConfig';

const small = withDefaults({ batchSize: 4, model: { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 8, textWidth: 16 } });
const set = makeShapesSet(8, 16);

describe('the objective registry', () => {
  it('has one complete record per objective, with a distinct name, label and colour', () => {
    expect(OBJECTIVE_NAMES).toEqual(['clip', 'xsample', 'siglip', 'simclr', 'xclip']);
    for (const o of OBJECTIVES) {
      expect(o.label, o.name).toMatch(/\S/);
      expect(o.note, o.name).toMatch(/\S/);
      expect(o.colour, o.name).toMatch(/^#[0-9a-f]{6}$/);
      expect([1, 2], o.name).toContain(o.views);
      expect(typeof o.textTower).toBe('boolean');
      expect(typeof o.usesGraph).toBe('boolean');
      expect(typeof o.defaultOn).toBe('boolean');
      expect(typeof o.loss).toBe('function');
      expect(o.recipe).toBeTypeOf('object');
      expect(o.recipeWhy, o.name).toMatch(/\S/);
      for (const s of o.scalars) expect(Object.keys(s).sort()).toEqual(['init', 'param', 'read', 'report']);
    }
    for (const key of ['name', 'label', 'colour'] as const) expect(new Set(OBJECTIVES.map((o) => o[key])).size).toBe(OBJECTIVES.length);
    expect(DEFAULT_OBJECTIVES).toEqual(['clip', 'xsample']);
  });

  it("refuses names that are no objective, JavaScript's own property names among them", () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'CLIP', '']) {
      expect(isObjectiveName(name), name).toBe(false);
      expect(() => objectiveSpec(name)).toThrow(/unknown objective .*one of clip, xsample, siglip, simclr, xclip/);
    }
  });

  it('the model builds what each record says: its views, text tower and learnable scalars', async () => {
    for (const spec of OBJECTIVES) {
      const model = new ContrastiveModel({ ...small, objective: spec.name }, set.captions, spec.usesGraph ? tfidfGraph(set.captions) : undefined);
      expect(model.views, spec.name).toBe(spec.views);
      expect(model.tokenizer !== undefined, spec.name).toBe(spec.textTower);
      for (const s of spec.scalars) expect(model.params.vars.has(s.param), `${spec.name} ${s.param}`).toBe(true);
      expect(Object.keys(await model.scalars()), spec.name).toEqual(spec.scalars.map((s) => s.report));
      model.dispose();
    }
  });

  it('an objective that needs the caption graph refuses to build without one', () => {
    for (const spec of OBJECTIVES.filter((o) => o.usesGraph)) expect(() => new ContrastiveModel({ ...small, objective: spec.name }, set.captions)).toThrow(/needs a caption graph/);
  });

  it('the URL carries every objective of the registry', () => {
    const state = parseHash(toHash({ config: small, objectives: [...OBJECTIVE_NAMES] }));
    expect(state.objectives).toEqual(OBJECTIVE_NAMES);
    expect(state.errors).toEqual([]);
  });
});
