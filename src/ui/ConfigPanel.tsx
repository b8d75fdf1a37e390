import { useState } from 'react';
import type { BackendChoice, GraphSource, ObjectiveName, TrainConfig } from '../core/config';
import { LIMITS } from '../core/config';
import { OBJECTIVE_LABEL } from './LossChart';

interface Props {
  config: TrainConfig;
  objectives: ObjectiveName[];
  disabled: boolean;
  errors: string[];
  onChange: (config: TrainConfig, objectives: ObjectiveName[]) => void;
  onGraphFile: (file: File) => Promise<string | undefined>;
}

type NumberKey = 'steps' | 'batchSize' | 'lr' | 'tau' | 'tauS' | 'seed' | 'evalEvery';
type ModelKey = 'width' | 'depth' | 'heads';

const TRAIN_FIELDS: { key: NumberKey; label: string; step: number; hint: string }[] = [
  { key: 'steps', label: 'Steps', step: 10, hint: 'optimiser steps per run' },
  { key: 'batchSize', label: 'Batch', step: 1, hint: 'images per step (X-Sample sees 2 views of each)' },
  { key: 'lr', label: 'Learning rate', step: 0.0001, hint: 'peak, after warm-up; cosine decay after' },
  { key: 'tau', label: 'τ', step: 0.01, hint: 'temperature of learned similarities (X-Sample, SimCLR)' },
  { key: 'tauS', label: 'τ_s', step: 0.01, hint: 'temperature of the caption graph (X-Sample)' },
  { key: 'seed', label: 'Seed', step: 1, hint: 'weights, batch order and augmentation' },
  { key: 'evalEvery', label: 'Evaluate every', step: 10, hint: 'steps between held-out evaluations' },
];

const GRAPHS: { id: GraphSource; label: string }[] = [
  { id: 'encoder', label: 'Sentence encoder on captions (USE lite)' },
  { id: 'labels', label: 'Class labels (+ encoder on class names)' },
  { id: 'tfidf', label: 'TF-IDF of caption words (no model)' },
  { id: 'file', label: 'My embeddings file (.npy / .json / .csv)' },
];
const MODEL_FIELDS: { key: ModelKey; label: string; hint: string }[] = [
  { key: 'width', label: 'Width', hint: 'transformer width of the ViT' },
  { key: 'depth', label: 'Depth', hint: 'transformer blocks' },
  { key: 'heads', label: 'Heads', hint: 'attention heads' },
];

const ALL_OBJECTIVES: { id: ObjectiveName; note: string }[] = [
  { id: 'clip', note: 'image–text InfoNCE, learnable t, trains a text tower' },
  { id: 'xsample', note: 'X-CLR: soft targets from the caption graph, image tower only' },
  { id: 'siglip', note: 'pairwise sigmoid image–text loss' },
  { id: 'simclr', note: 'NT-Xent on two views, no captions' },
  { id: 'xclip', note: "this product's extension, not the paper's: CLIP logits with soft targets from the caption graph" },
];

/** Objectives, hyper-parameters and backend. Edits are applied at once and reset the runs. */
export function ConfigPanel({ config, objectives, disabled, errors, onChange, onGraphFile }: Props) {
  const [fileNote, setFileNote] = useState<string>();
  const toggle = (o: ObjectiveName) =>
    onChange(config, objectives.includes(o) ? objectives.filter((x) => x !== o) : ALL_OBJECTIVES.map((x) => x.id).filter((x) => x === o || objectives.includes(x)));
  return (
    <section className="panel" aria-label="Training settings">
      <h2>Objectives</h2>
      <fieldset disabled={disabled} className="objectives">
        {ALL_OBJECTIVES.map(({ id, note }) => (
          <label key={id} title={note}>
            <input type="checkbox" checked={objectives.includes(id)} onChange={() => toggle(id)} data-testid={`objective-${id}`} />
            {OBJECTIVE_LABEL[id]} <small>{note}</small>
          </label>
        ))}
      </fieldset>
      <h2>Caption graph (X-Sample targets)</h2>
      <fieldset disabled={disabled} className="graph">
        <select
          value={config.graph}
          data-testid="cfg-graph"
          onChange={(e) => onChange({ ...config, graph: e.target.value as GraphSource }, objectives)}
          aria-label="caption graph source"
        >
          {GRAPHS.map((g) => (
            <option key={g.id} value={g.id}>
              {g.label}
            </option>
          ))}
        </select>
        <label title="subtract the mean caption vector: templated captions otherwise all look alike">
          <input type="checkbox" checked={config.centreGraph} onChange={(e) => onChange({ ...config, centreGraph: e.target.checked }, objectives)} /> centre vectors
        </label>
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
        {TRAIN_FIELDS.map(({ key, label, step, hint }) => (
          <NumberField key={key} name={key} label={label} hint={hint} step={step} value={config[key]} onValue={(v) => onChange({ ...config, [key]: v }, objectives)} />
        ))}
        {MODEL_FIELDS.map(({ key, label, hint }) => (
          <NumberField key={key} name={key} label={label} hint={hint} step={1} value={config.model[key]} onValue={(v) => onChange({ ...config, model: { ...config.model, [key]: v } }, objectives)} />
        ))}
        <label title="auto picks WebGPU on a real GPU adapter and WASM otherwise">
          <span>Backend</span>
          <select
            value={config.backend}
            data-testid="cfg-backend"
            onChange={(e) => onChange({ ...config, backend: e.target.value as BackendChoice }, objectives)}
          >
            {(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const).map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
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

/** A labelled number input bounded by the setting's range in LIMITS (the worker checks it again). */
function NumberField({ name, label, hint, step, value, onValue }: { name: keyof typeof LIMITS; label: string; hint: string; step: number; value: number; onValue: (v: number) => void }) {
  const [min, max] = LIMITS[name];
  return (
    <label title={hint}>
      <span>{label}</span>
      <input type="number" min={min} max={max} step={step} value={value} data-testid={`cfg-${name}`} onChange={(e) => onValue(Number(e.target.value))} />
    </label>
  );
}
