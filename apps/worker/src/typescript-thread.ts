import { Worker, type ResourceLimits } from 'node:worker_threads';
import { typeScriptBundle } from './typescript-bundle.ts';

/** A worker thread running a TypeScript entry, from its bundle (see typescript-bundle.ts for why). */
export async function startTypeScriptThread(entry: URL, input: unknown, resourceLimits?: ResourceLimits): Promise<Worker> {
  const { file } = await typeScriptBundle(entry);
  return new Worker(file, { workerData: { input }, ...(resourceLimits === undefined ? {} : { resourceLimits }) });
}
