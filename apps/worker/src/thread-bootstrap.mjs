// Worker threads do not inherit the TypeScript loader that `node --import tsx` gave the main thread,
// so each thread registers it before importing its TypeScript entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
