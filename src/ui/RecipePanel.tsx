import type { ObjectiveName, Settings } from '../core/config';
import { runRecipes } from '../core/recipeSummary';
import { OBJECTIVES } from '../core/registry';

interface Props {
  config: Settings;
  objectives: ObjectiveName[];
  children: React.ReactNode; // the section's setting fields (switches and the session's augmentation)
}

const LABEL: ReadonlyMap<string, string> = new Map(OBJECTIVES.map((o) => [o.name, o.label]));

/** The augmentation and temperature section: per run, which augmentation it trains with and why; the switches. */
export function RecipePanel({ config, objectives, children }: Props) {
  const runs = runRecipes(config, objectives);
  return (
    <>
      <h2>Augmentation and temperature</h2>
      <ul className="run-recipes" data-testid="run-recipes">
        {runs.map((r) => (
          <li key={r.objective} data-testid={`recipe-${r.objective}`} data-recipe={r.recipe}>
            <b>{LABEL.get(r.objective)}</b>: {r.text}
            <small>{r.why}</small>
          </li>
        ))}
      </ul>
      {children}
      <p className="hint" data-testid="temperature-note">
        CLIP&apos;s t starts at open_clip&apos;s 1/0.07 by default, as published (it is learnt from there, while X-Sample&apos;s τ stays fixed as in
        X-CLR); tick the box to start it at 1/τ = {(1 / config.tau).toFixed(1)} so both begin equally sharp.
      </p>
    </>
  );
}
