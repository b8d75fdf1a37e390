import * as Comlink from 'comlink';
import type { BackendChoice } from '../core/config';
import type { DatasetPayload, EventSink, TrainerApi } from './protocol';

/** Starts the training worker and returns its typed API; events arrive through onEvent. */
export async function startTrainingWorker(onEvent: EventSink, backend: BackendChoice) {
  const worker = new Worker(new URL('./trainWorker.ts', import.meta.url), { type: 'module', name: 'training' });
  const api = Comlink.wrap<TrainerApi>(worker);
  const info = await api.init(Comlink.proxy(onEvent), backend);
  return {
    api,
    info,
    /** Sends a dataset, transferring its pixel buffer (the caller's copy becomes empty). */
    loadData: (data: DatasetPayload) => api.loadData(Comlink.transfer(data, [data.pixels.buffer])),
    terminate: () => worker.terminate(),
  };
}

export type TrainingWorker = Awaited<ReturnType<typeof startTrainingWorker>>;
