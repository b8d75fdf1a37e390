import { clip } from './clip';
import type { ObjectiveSpec } from './objective';
import { siglip } from './siglip';
import { simclr } from './simclr';
import { xclip } from './xclip';
import { xsample } from './xsample';

export type { LossInputs, Maths, ObjectiveSpec, Recipe, ScalarSpec } from './objective';

/** Every objective, in the order the settings panel lists them and runs are compared. */
export const OBJECTIVES = [clip, xsample, siglip, simclr, xclip] as const;

/** 'xclip' is this product's extension (CLIP logits with X-Sample soft targets), not the paper's. */
export type ObjectiveName = (typeof OBJECTIVES)[number]['name'];

const BY_NAME: ReadonlyMap<string, ObjectiveSpec<ObjectiveName>> = new Map(OBJECTIVES.map((o) => [o.name, o]));

export const OBJECTIVE_NAMES: readonly ObjectiveName[] = OBJECTIVES.map((o) => o.name);

/** Compared when a link names none. */
export const DEFAULT_OBJECTIVES: readonly ObjectiveName[] = OBJECTIVES.filter((o) => o.defaultOn).map((o) => o.name);

/** True for the name of an objective (a Map lookup: 'constructor' or '__proto__' are none). */
export function isObjectiveName(name: string): name is ObjectiveName {
  return BY_NAME.has(name);
}

/** The record of an objective; throws, naming the objectives there are, for any other name. */
export function objectiveSpec(name: string): ObjectiveSpec<ObjectiveName> {
  const spec = BY_NAME.get(name);
  if (!spec) throw new Error(`unknown objective ${JSON.stringify(name)}: one of ${OBJECTIVE_NAMES.join(', ')}`);
  return spec;
}
