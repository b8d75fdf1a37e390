import { DEFAULT_SETTINGS, type ObjectiveName, type Settings } from '../core/config';
import { DEFAULT_OBJECTIVES, isObjectiveName, OBJECTIVE_NAMES } from '../core/registry';
import { parseSettings, settingsEntries } from '../core/settingsTable';

/**
 * The session (not the data) in the URL hash, so that a link reproduces a run: the objectives, the data the page
 * opens with, and every setting of the table in core/settingsTable.ts, for example
 * #objectives=clip,xsample&steps=300&batch=32&lr=0.001&…&backend=auto
 */

export type StartData = 'demo' | 'shapes';
const START_DATA: readonly StartData[] = ['demo', 'shapes'];

export interface UrlState {
  config: Settings;
  objectives: ObjectiveName[];
  data?: StartData; // the data the page opens with (the demo set unless the link says shapes)
}

/** The state a link gives, and one message per part of it that was refused (the default stands in for it). */
export function parseHash(hash: string): UrlState & { errors: string[] } {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const errors: string[] = [];
  const objectives: ObjectiveName[] = [];
  for (const name of (q.get('objectives') ?? '').split(',').filter((o) => o !== '')) {
    if (isObjectiveName(name)) objectives.push(name);
    else errors.push(`objectives: ${JSON.stringify(name)} is no objective: one of ${OBJECTIVE_NAMES.join(', ')}`);
  }
  const dataText = q.get('data') ?? 'demo';
  const data = START_DATA.find((d) => d === dataText);
  if (!data) errors.push(`data must be one of ${START_DATA.join(', ')} (got ${JSON.stringify(dataText)})`);
  const rest = [...q].filter(([key]) => key !== 'objectives' && key !== 'data');
  const { settings, errors: settingErrors } = parseSettings(rest, DEFAULT_SETTINGS);
  return { config: settings, objectives: objectives.length > 0 ? objectives : [...DEFAULT_OBJECTIVES], data: data ?? 'demo', errors: [...errors, ...settingErrors] };
}

export function toHash({ config, objectives, data }: UrlState): string {
  const q = new URLSearchParams([...(data === 'shapes' ? [['data', data]] : []), ['objectives', objectives.join(',')], ...settingsEntries(config)]);
  return `#${q.toString()}`;
}
