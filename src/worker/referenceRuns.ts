import type { ObjectiveName } from '../core/config';
import { objectiveSpec } from '../core/registry';
import type { CheckpointMeta, RunOrigin } from '../core/checkpoint';
import type { EventSink, ImportMode, SourceFile } from './protocol';
import type { ImportedRun } from './runImport';

/** Whether an import is shown beside the live run of its objective (a reference run) rather than replacing it. */
export function showsBeside(mode: ImportMode, origin: RunOrigin, hasRun: boolean): boolean {
  return mode === 'beside' || (mode === 'auto' && origin === 'pytorch' && hasRun);
}

/** What the page is told after an import shown beside the run of its objective. */
export function besideNote(meta: CheckpointMeta, origin: RunOrigin): string {
  const label = objectiveSpec(meta.config.objective).label;
  return `imported ${meta.config.objective} weights${origin === 'pytorch' ? ' trained in PyTorch' : ''} from ${meta.dataset ?? 'another dataset'} at step ${meta.step}: shown beside the ${label} run as a reference (dashed curves, its own metrics row); the ${label} run is untouched. To train on from these weights instead, press “Continue training from these weights (replaces the ${label} run)” under Import weights`;
}

/**
 * The reference runs: imports shown beside the live run of their objective (their history and metrics go to the
 * page; they do not train). The files they came from are kept, so that the user may still train on from them.
 */
export class ReferenceRuns {
  private readonly files = new Map<ObjectiveName, SourceFile[]>();

  constructor(private readonly emit: EventSink) {}

  /** Shows an imported run as the reference of its objective (replacing an earlier one). */
  show(run: ImportedRun, files: SourceFile[], dataset: string | undefined): void {
    const objective = run.meta.config.objective;
    this.files.set(objective, files);
    this.emit({ type: 'reference', objective, origin: run.origin, step: run.meta.step, history: run.history, metrics: run.metrics, dataset });
  }

  /** The files of a reference run, to import them as a run ('continue'); undefined when there is none. */
  filesOf(objective: ObjectiveName): SourceFile[] | undefined {
    return this.files.get(objective);
  }

  remove(objective: ObjectiveName): void {
    this.files.delete(objective);
    this.emit({ type: 'reference-removed', objective });
  }
}
