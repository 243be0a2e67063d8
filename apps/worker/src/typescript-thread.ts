import { Worker, type ResourceLimits } from 'node:worker_threads';
import { threadBundle } from './thread-bundle.ts';

/** A worker thread running a TypeScript entry, from its bundle (see thread-bundle.ts for why). */
export async function startTypeScriptThread(entry: URL, input: unknown, resourceLimits?: ResourceLimits): Promise<Worker> {
  const { file } = await threadBundle(entry);
  return new Worker(file, { workerData: { input }, ...(resourceLimits === undefined ? {} : { resourceLimits }) });
}
