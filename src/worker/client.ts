import * as Comlink from 'comlink';
import type { AssetUrls, BackendChoice, BackendInfo, EventSink, TrainerApi, UmapApi } from './protocol';

/** A started worker and its API, typed by that API alone (see protocol.ts). */
export interface WorkerClient<Api> {
  api: Comlink.Remote<Api>;
  terminate(): void;
}

/** Wraps a started worker's Comlink API. */
export function connect<Api>(worker: Worker): WorkerClient<Api> {
  return { api: Comlink.wrap<Api>(worker), terminate: () => worker.terminate() };
}

/** A function given to a worker as an argument (a progress or event callback) crosses as a Comlink proxy. */
export function callback<F extends (...args: never[]) => unknown>(f: F): F {
  return Comlink.proxy(f);
}

export type TrainingWorker = WorkerClient<TrainerApi> & { info: BackendInfo };

/** Starts the training worker with its backend; events arrive through onEvent. */
export async function startTrainingWorker(onEvent: EventSink, backend: BackendChoice, wasmThreads = 0): Promise<TrainingWorker> {
  const client = connect<TrainerApi>(new Worker(new URL('./trainWorker.ts', import.meta.url), { type: 'module', name: 'training' }));
  const base = new URL(import.meta.env.BASE_URL, self.location.href);
  const assets: AssetUrls = {
    encoderModelUrl: new URL('models/use-lite/model.json', base).href,
    encoderVocabUrl: new URL('models/use-lite/vocab.json', base).href,
  };
  try {
    return { ...client, info: await client.api.init(callback(onEvent), backend, assets, wasmThreads) };
  } catch (err) {
    client.terminate();
    throw err;
  }
}

/** Starts a UMAP worker (one per computation: terminate it when done). */
export function startUmapWorker(): WorkerClient<UmapApi> {
  return connect<UmapApi>(new Worker(new URL('./umapWorker.ts', import.meta.url), { type: 'module', name: 'umap' }));
}

type Method<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R | undefined> : never;

/** Every method of a worker API as a command that answers undefined before the worker is up, and after an error. */
export type Commands<Api> = { readonly [K in keyof Api]: Method<Api[K]> };

/**
 * The methods of `Api` without listing them: each call goes to the API `target()` returns, through `around` (which
 * may show progress and turns a thrown error into undefined and a message). A command keeps its identity, so it can
 * be handed to components and effects as it is.
 */
export function commands<Api extends object>(
  target: () => object | undefined,
  around: (name: keyof Api & string, call: () => Promise<unknown>) => Promise<unknown>,
): Commands<Api> {
  const made = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy({} as Commands<Api>, {
    get(_, name) {
      if (typeof name !== 'string' || name === 'then') return undefined; // not a thenable, nothing under symbols
      let f = made.get(name);
      if (!f) {
        f = async (...args: unknown[]) => {
          const api = target() as Record<string, (...a: unknown[]) => Promise<unknown>> | undefined;
          if (!api) return undefined;
          return around(name as keyof Api & string, () => api[name](...args));
        };
        made.set(name, f);
      }
      return f;
    },
  });
}
