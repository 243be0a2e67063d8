import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

// The page is typechecked with the DOM's types and Preact's JSX, which the root project (Node code)
// must not see; so it has its own tsconfig, checked here as part of `npm test`.
it('the page typechecks (apps/web/tsconfig.json, strict)', () => {
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  const project = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  const result = spawnSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc found errors:\n${result.stdout}${result.stderr}`);
});
