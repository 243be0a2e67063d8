import type { BackendInfo } from '@lab/trainer';
import type { BackendRequest } from './training-protocol.ts';
import { startTypeScriptThread } from './typescript-thread.ts';

/** The backend training threads will get for `request`; rejects with the reason when there is none. */
export async function probeBackend(request: BackendRequest): Promise<BackendInfo> {
  const thread = await startTypeScriptThread(new URL('./backend-probe-thread.ts', import.meta.url), request);
  return new Promise((resolve, reject) => {
    thread.once('message', (info: BackendInfo) => {
      resolve(info);
      void thread.terminate();
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`backend probe exited with code ${code}`)));
  });
}
