import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/config';
import { FIELDS, getField, parseSettings, setField, settingsEntries, validateConfig } from '../../src/core/settingsTable';
import { parseHash, toHash } from '../../src/ui/urlConfig';

/** A value of the field other than the default, inside its range. */
function otherValue(f: (typeof FIELDS)[number], current: unknown): number | boolean | string {
  if (f.kind === 'bool') return !current;
  if (f.kind === 'choice') return f.choices.find((c) => c !== current)!;
  const [lo, hi] = f.range;
  return f.kind === 'int' ? (current === lo ? lo + 1 : lo) : current === hi ? (lo + hi) / 2 : hi;
}

describe('the settings table', () => {
  it('has one field per setting, unique keys, and the defaults inside every range', () => {
    expect(new Set(FIELDS.map((f) => f.key)).size).toBe(FIELDS.length);
    const leaves = (s: object): number => Object.values(s).reduce((n: number, v) => n + (typeof v === 'object' ? leaves(v) : 1), 0);
    expect(FIELDS.length).toBe(leaves(DEFAULT_SETTINGS));
    expect(validateConfig(DEFAULT_SETTINGS)).toEqual([]);
  });

  it('round-trips every field through the URL hash, each changed on its own', () => {
    for (const f of FIELDS) {
      let changed: Settings = setField(DEFAULT_SETTINGS, f, otherValue(f, getField(DEFAULT_SETTINGS, f)));
      // keep the constraints between values (image a multiple of patch, width of heads) where a change breaks them
      if (f.key === 'image') changed = setField(changed, FIELDS.find((x) => x.key === 'patch')!, 8);
      if (f.key === 'heads') changed = setField(changed, f, 2);
      const back = parseHash(toHash({ config: changed, objectives: ['simclr', 'xclip'], data: 'shapes' }));
      expect(back.errors, f.key).toEqual([]);
      expect(back.config, f.key).toEqual(changed);
      expect(back.objectives).toEqual(['simclr', 'xclip']);
      expect(back.data).toBe('shapes');
    }
  });

  it('keeps the augmentation switch, the start of CLIP\'s t and the session\'s augmentation in the link', () => {
    const hash = '#sameAug=1&tFromTau=1&minCrop=0.3&flip=0';
    const back = parseHash(hash);
    expect(back.errors).toEqual([]);
    expect(back.config).toEqual({ ...DEFAULT_SETTINGS, sameAugment: true, clipScaleFromTau: true, augment: { ...DEFAULT_SETTINGS.augment, minCropScale: 0.3, flipProb: 0 } });
    expect(parseHash(toHash({ config: back.config, objectives: ['clip', 'xsample'], data: 'demo' })).config).toEqual(back.config);
    expect(parseHash('#sameAug=maybe').errors).toEqual(['sameAug must be 1 or 0 (got "maybe")']);
  });

  it('a link without settings gives the defaults and the default objectives', () => {
    expect(parseHash('')).toEqual({ config: DEFAULT_SETTINGS, objectives: ['clip', 'xsample'], data: 'demo', errors: [] });
  });

  it('refuses what is no value of the field, naming the field and what it allows, and keeps the default', () => {
    const refused = (hash: string) => {
      const s = parseHash(hash);
      expect(s.config).toEqual(DEFAULT_SETTINGS);
      return s.errors;
    };
    expect(refused('#objectives=constructor')).toEqual(['objectives: "constructor" is no objective: one of clip, xsample, siglip, simclr, xclip']);
    expect(refused('#objectives=__proto__,toString')).toHaveLength(2);
    expect(refused('#depth=2.5')).toEqual(['depth must be a whole number between 1 and 12 (got "2.5")']);
    expect(refused('#patch=1.5')[0]).toMatch(/^patch must be a whole number/);
    expect(refused('#steps=12.5')[0]).toMatch(/^steps must be a whole number between 1 and 100000/);
    expect(refused('#steps=0')[0]).toMatch(/^steps must be a whole number between 1 and 100000 \(got "0"\)/);
    expect(refused('#lr=2')).toEqual(['lr must be between 0.000001 and 1 (got "2")']);
    expect(refused('#tau=abc')[0]).toMatch(/^tau must be between/);
    expect(refused('#batch=')[0]).toMatch(/^batch must be/);
    expect(refused('#graph=constructor')).toEqual(['graph must be one of encoder, labels, tfidf, file (got "constructor")']);
    expect(refused('#backend=__proto__')[0]).toMatch(/^backend must be one of auto, webgpu, webgl, wasm, cpu/);
    expect(refused('#centre=maybe')).toEqual(['centre must be 1 or 0 (got "maybe")']);
    expect(refused('#data=__proto__')[0]).toMatch(/^data must be one of demo, shapes/);
    expect(refused('#constructor=1')[0]).toMatch(/^unknown setting "constructor": one of steps, batch, /);
    expect(refused('#__proto__=1')[0]).toMatch(/^unknown setting "__proto__"/);
  });

  it('keeps what fits in a link that also has what does not', () => {
    const s = parseHash('#steps=40&depth=2.5&objectives=simclr,bogus');
    expect(s.config.steps).toBe(40);
    expect(s.config.model.depth).toBe(DEFAULT_SETTINGS.model.depth);
    expect(s.objectives).toEqual(['simclr']);
    expect(s.errors).toHaveLength(2);
  });

  it('validateConfig checks every field of the table, fractional sizes included', () => {
    const bad = { ...DEFAULT_SETTINGS, steps: 2.5, model: { ...DEFAULT_SETTINGS.model, depth: 1.5 }, augment: { ...DEFAULT_SETTINGS.augment, flipProb: 2 } };
    const errors = validateConfig(bad);
    expect(errors).toContain('steps must be a whole number between 1 and 100000 (got 2.5)');
    expect(errors).toContain('depth must be a whole number between 1 and 12 (got 1.5)');
    expect(errors).toContain('flipProb must be between 0 and 1 (got 2)');
    expect(validateConfig({ ...DEFAULT_SETTINGS, graph: 'constructor' as Settings['graph'] })).toEqual(['graph must be one of encoder, labels, tfidf, file (got "constructor")']);
  });

  it('reads runner flags like the URL (parseSettings), refusing unknown ones', () => {
    const { settings, errors } = parseSettings([['steps', '200'], ['tauS', '0.05'], ['bogus', '1']], DEFAULT_SETTINGS);
    expect(settings.steps).toBe(200);
    expect(settings.tauS).toBe(0.05);
    expect(errors).toHaveLength(1);
    expect(settingsEntries(settings).find(([k]) => k === 'steps')).toEqual(['steps', '200']);
  });
});
