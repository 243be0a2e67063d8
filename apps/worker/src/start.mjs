// The worker process's entry (package.json's start:worker, the Dockerfiles' CMDs): it runs main.ts
// from a bundle (typescript-bundle.ts says why), so no TypeScript loader stays in the process. tsx
// compiles the bundler alone, in this thread, through its CommonJS hook, removed again at once.
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';

const unregister = register();
const { typeScriptBundle } = createRequire(import.meta.url)('./typescript-bundle.ts');
unregister();
// Stack traces name the TypeScript sources' lines, as under tsx.
process.setSourceMapsEnabled(true);
const { file } = await typeScriptBundle(new URL('./main.ts', import.meta.url));
await import(file.href);
