import { type AugmentConfig, type AugmentRecipeName, type ObjectiveName, runAugment, runConfig, type Settings } from './config';
import { objectiveSpec } from './registry';

/** What the settings panel says of one run's augmentation: the recipe, its numbers in words and why it applies. */
export interface RunRecipe {
  objective: ObjectiveName;
  recipe: AugmentRecipeName;
  augment: AugmentConfig;
  text: string; // "open_clip: crops of 90–100% of the area, no flip, no colour jitter"
  why: string;
}

/** An augmentation in words: crop range, flip probability and jitter strengths. */
export function describeAugment(a: AugmentConfig): string {
  const crop = a.minCropScale >= 1 ? 'no crop' : `crops of ${Math.round(a.minCropScale * 100)}–100% of the area`;
  const flip = a.flipProb > 0 ? `flip ${a.flipProb}` : 'no flip';
  const jitter =
    a.brightness === 0 && a.contrast === 0 && a.saturation === 0
      ? 'no colour jitter'
      : a.brightness === a.contrast && a.contrast === a.saturation
        ? `colour jitter ${a.brightness}`
        : `jitter b ${a.brightness} c ${a.contrast} s ${a.saturation}`;
  return `${crop}, ${flip}, ${jitter}`;
}

/** The augmentation each run of these objectives trains with under these settings, and why. */
export function runRecipes(settings: Settings, objectives: readonly ObjectiveName[]): RunRecipe[] {
  return objectives.map((objective) => {
    const spec = objectiveSpec(objective);
    const cfg = runConfig(settings, objective, spec.recipe);
    const augment = runAugment(cfg);
    const name = cfg.augmentRecipe === 'open_clip' ? 'open_clip' : "the session's (below)";
    const why = settings.sameAugment ? 'same augmentation for every run is on: the strictly controlled comparison' : spec.recipeWhy;
    return { objective, recipe: cfg.augmentRecipe, augment, text: `${name}: ${describeAugment(augment)}`, why };
  });
}
