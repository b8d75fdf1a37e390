import * as Comlink from 'comlink';
import type { BackendChoice } from '../core/config';
import type { EventSink, LoadOptions, SourceFile, TrainerApi } from './protocol';

/** Starts the training worker and returns its typed API; events arrive through onEvent. */
export async function startTrainingWorker(onEvent: EventSink, backend: BackendChoice) {
  const worker = new Worker(new URL('./trainWorker.ts', import.meta.url), { type: 'module', name: 'training' });
  const api = Comlink.wrap<TrainerApi>(worker);
  const base = new URL(import.meta.env.BASE_URL, self.location.href);
  const info = await api.init(Comlink.proxy(onEvent), backend, {
    encoderModelUrl: new URL('models/use-lite/model.json', base).href,
    encoderVocabUrl: new URL('models/use-lite/vocab.json', base).href,
  });
  return {
    api,
    info,
    /** Files and Blobs are cloned by reference: their bytes are not copied. */
    loadFiles: (files: SourceFile[], source: string, opts: LoadOptions) => api.loadFiles(files, source, opts),
    terminate: () => worker.terminate(),
  };
}

export type TrainingWorker = Awaited<ReturnType<typeof startTrainingWorker>>;
