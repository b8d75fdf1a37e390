import { useState } from 'react';
import type { ObjectiveName, Settings } from '../core/config';
import { OBJECTIVES } from '../core/registry';
import { type Field, fieldName, FIELDS, getField, type NumberField, setField } from '../core/settingsTable';
import { MeasuredNote } from './MeasuredNote';
import { RecipePanel } from './RecipePanel';

interface Props {
  config: Settings;
  objectives: ObjectiveName[];
  disabled: boolean;
  errors: string[];
  onChange: (config: Settings, objectives: ObjectiveName[]) => void;
  onGraphFile: (file: File) => Promise<string | undefined>;
}

/** Objectives, hyper-parameters and backend. Edits are applied at once and reset the runs. */
export function ConfigPanel({ config, objectives, disabled, errors, onChange, onGraphFile }: Props) {
  const [fileNote, setFileNote] = useState<string>();
  const toggle = (o: ObjectiveName) =>
    onChange(config, objectives.includes(o) ? objectives.filter((x) => x !== o) : OBJECTIVES.map((x) => x.name).filter((x) => x === o || objectives.includes(x)));
  const fields = (section: 'graph' | 'training' | 'recipes') =>
    FIELDS.filter((f) => f.panel?.section === section).map((f) => (
      <SettingField key={f.key} field={f} value={getField(config, f)} onValue={(v) => onChange(setField(config, f, v), objectives)} />
    ));
  return (
    <section className="panel" aria-label="Training settings">
      <h2>Objectives</h2>
      <fieldset disabled={disabled} className="objectives">
        {OBJECTIVES.map(({ name, label, note }) => (
          <label key={name} title={note}>
            <input type="checkbox" checked={objectives.includes(name)} onChange={() => toggle(name)} data-testid={`objective-${name}`} />
            {label} <small>{note}</small>
          </label>
        ))}
      </fieldset>
      <MeasuredNote config={config} disabled={disabled} onPreset={(c) => onChange(c, ['clip', 'xsample'])} />
      <h2>Caption graph (X-Sample targets)</h2>
      <fieldset disabled={disabled} className="graph">
        {fields('graph')}
        {config.graph === 'file' && (
          <label className="button">
            Embeddings file…
            <input
              type="file"
              className="visually-hidden"
              accept=".npy,.json,.csv"
              data-testid="graph-file"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void onGraphFile(f).then(setFileNote);
              }}
            />
          </label>
        )}
        {fileNote && <small data-testid="graph-file-note">{fileNote}</small>}
      </fieldset>
      <h2>Training</h2>
      <fieldset disabled={disabled} className="fields">
        {fields('training')}
      </fieldset>
      <RecipePanel config={config} objectives={objectives}>
        <fieldset disabled={disabled} className="fields recipes">
          {fields('recipes')}
        </fieldset>
      </RecipePanel>
      {errors.length > 0 && (
        <ul className="errors" role="alert" data-testid="config-errors">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** One setting of the table as the panel shows it: a number input bounded by its range, a select or a checkbox. */
function SettingField({ field: f, value, onValue }: { field: Field; value: number | boolean | string; onValue: (v: number | boolean | string) => void }) {
  const panel = f.panel!;
  const id = `cfg-${fieldName(f)}`;
  if (f.kind === 'bool')
    return (
      <label title={panel.hint}>
        <input type="checkbox" checked={value === true} data-testid={id} onChange={(e) => onValue(e.target.checked)} /> {panel.label}
      </label>
    );
  if (f.kind === 'choice') {
    const select = (
      <select value={String(value)} data-testid={id} aria-label={panel.label} onChange={(e) => onValue(e.target.value)}>
        {f.choices.map((c, i) => (
          <option key={c} value={c}>
            {panel.choiceLabels?.[i] ?? c}
          </option>
        ))}
      </select>
    );
    // A select of its own section stands alone; among the training fields it has a label like the numbers.
    return panel.section === 'graph' ? (
      select
    ) : (
      <label title={panel.hint}>
        <span>{panel.label}</span>
        {select}
      </label>
    );
  }
  return <NumberInput field={f} label={panel.label} hint={panel.hint} step={panel.step ?? 1} id={id} value={Number(value)} onValue={onValue} />;
}

/** A labelled number input bounded by the setting's range (the worker checks it again). */
function NumberInput({ field, label, hint, step, id, value, onValue }: { field: NumberField; label: string; hint: string; step: number; id: string; value: number; onValue: (v: number) => void }) {
  const [min, max] = field.range;
  return (
    <label title={hint}>
      <span>{label}</span>
      <input type="number" min={min} max={max} step={step} value={value} data-testid={id} onChange={(e) => onValue(Number(e.target.value))} />
    </label>
  );
}
