// Selects the tfjs backend in a short-lived thread and reports it, so that the worker's main thread
// learns what will train (and fails fast on a backend that is not installed) without loading tfjs.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@lab/trainer';
import type { BackendRequest } from './training-protocol.ts';

const { input } = workerData as { input: BackendRequest };
parentPort?.postMessage(await initBackend(input.preference, { wasmThreads: input.wasmThreads }));
