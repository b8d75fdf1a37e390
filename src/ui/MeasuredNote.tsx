import summary from '../../bench/results/summary.json';
import type { Settings } from '../core/config';
import { measuredClaim, type MeasuredSummary, withPreset } from '../core/measuredResult';

const claim = measuredClaim(summary as MeasuredSummary, 'defaults');

/** The paper's claim as measured on the demo set, next to the objectives; a one-click preset where one setting showed a difference. */
export function MeasuredNote({ config, disabled, onPreset }: { config: Settings; disabled: boolean; onPreset: (config: Settings) => void }) {
  const preset = claim.preset;
  return (
    <p className="hint" data-testid="measured-claim">
      {claim.text}{' '}
      {preset && (
        <button type="button" disabled={disabled} data-testid="measured-preset" title={`the settings of "${preset.name}"`} onClick={() => onPreset(withPreset(config, preset.changed))}>
          Use these settings
        </button>
      )}
    </p>
  );
}
