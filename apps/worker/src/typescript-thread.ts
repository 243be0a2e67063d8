import { Worker, type ResourceLimits } from 'node:worker_threads';

const THREAD_BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);

/** A worker thread running a TypeScript entry (threads do not inherit the tsx loader; see the bootstrap). */
export function startTypeScriptThread(entry: URL, input: unknown, resourceLimits?: ResourceLimits): Worker {
  return new Worker(THREAD_BOOTSTRAP, { workerData: { entry: entry.href, input }, ...(resourceLimits === undefined ? {} : { resourceLimits }) });
}
