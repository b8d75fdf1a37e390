/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { setWasmThreads, startBackend } from './backends';
import { TrainingSession } from './session';

// The module worker that owns every tensor; the page talks to it through client.ts.
Comlink.expose(new TrainingSession({ startBackend, setWasmThreads }));
