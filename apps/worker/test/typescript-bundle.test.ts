import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { CLASS_NAMES } from '@lab/contracts';
import { buildTypeScriptBundle, typeScriptBundle } from '../src/typescript-bundle.ts';
import { startTypeScriptThread } from '../src/typescript-thread.ts';

const ECHO_THREAD = new URL('./fixtures/echo-thread.ts', import.meta.url);
const TRAINING_THREAD = new URL('../src/training-thread.ts', import.meta.url);

describe('thread bundles', () => {
  it('run a TypeScript entry in a plain thread: workspace code inlined, each module keeping its own import.meta.url', async () => {
    const thread = await startTypeScriptThread(ECHO_THREAD, { name: 'λ' });
    const [message] = (await once(thread, 'message')) as [{ moduleUrl: string; greeting: string; classes: number }];
    await thread.terminate();
    assert.deepEqual(message, { moduleUrl: ECHO_THREAD.href, greeting: 'hello λ', classes: CLASS_NAMES.length });
  });

  it('import every other package from the file Node resolves for it, so threads share one copy with the main thread', async () => {
    const { file, externals } = await buildTypeScriptBundle(TRAINING_THREAD);
    assert.ok(externals.has('@tensorflow/tfjs-core'), 'tfjs-core is imported, not bundled');
    for (const [specifier, url] of externals) {
      assert.ok(!specifier.startsWith('@lab/'), `${specifier} is bundled from its sources`);
      assert.equal(url, import.meta.resolve(specifier), specifier);
    }
    assert.doesNotMatch(readFileSync(file, 'utf8'), /from\s*["']@lab\//);
  });

  it('are named by their content, in a folder closed to other users, and built once per process', async () => {
    const first = await buildTypeScriptBundle(ECHO_THREAD);
    const second = await buildTypeScriptBundle(ECHO_THREAD);
    assert.equal(first.file.href, second.file.href);
    assert.equal(statSync(dirname(fileURLToPath(first.file))).mode & 0o077, 0);
    assert.equal(typeScriptBundle(ECHO_THREAD), typeScriptBundle(ECHO_THREAD));
  });
});
