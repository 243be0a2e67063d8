import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop, type Plugin } from 'esbuild';

/**
 * The worker process and its threads run their TypeScript as bundles, one JavaScript file per entry,
 * built by esbuild (the compiler tsx itself runs on) when the process starts. Under tsx's loader, on
 * Node 20, a thread keeps a loader-hooks thread of its own (with its own V8 heap) and every compiled
 * module: measured through the service, the worker's peak was ~55 MB lower with its main thread
 * bundled and ~20 MB lower again with the training thread bundled. A bundle holds the workspace's
 * own TypeScript; every other package is imported from the file Node resolves for it, so threads
 * and the main thread share one copy of each. Bundles go to a private folder under the system's temp
 * folder (the app's own folder may be read-only), named by their content.
 */
export interface TypeScriptBundle {
  file: URL;
  /** Each package imported from outside the bundle, by specifier, with the file it resolved to. */
  externals: Map<string, string>;
}

/** Workspace packages, bundled from their TypeScript sources. */
const WORKSPACE_SCOPE = '@lab/';
const IMPORT_META_URL = /\bimport\.meta\.url\b/g;

function resolvePackagesAsNode(externals: Map<string, string>): Plugin {
  return {
    name: 'lab-typescript-bundle',
    setup(bundle) {
      bundle.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'default-resolution') return undefined;
        const resolved = await bundle.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'default-resolution' });
        // Not installed (an optional dependency): the import stays, and fails at run time as it would unbundled.
        if (resolved.errors.length > 0) return { path: args.path, external: true };
        if (resolved.external) return { path: args.path, external: true }; // Node's built-in modules
        if (args.path.startsWith(WORKSPACE_SCOPE) && resolved.path.endsWith('.ts')) return { path: resolved.path };
        const url = pathToFileURL(resolved.path).href;
        externals.set(args.path, url);
        return { path: url, external: true };
      });
      // Modules find their files from import.meta.url: each keeps its own source file's URL.
      bundle.onLoad({ filter: /\.ts$/ }, (args) => ({
        contents: readFileSync(args.path, 'utf8').replace(IMPORT_META_URL, JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      }));
    },
  };
}

/** A folder only this user can write to, so that no one else can plant a bundle for it to run. */
function privateFolder(): string {
  const folder = join(tmpdir(), `lab-worker-bundles-${process.getuid?.() ?? 'user'}`);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const stat = statSync(folder);
  if ((process.getuid !== undefined && stat.uid !== process.getuid()) || (stat.mode & 0o077) !== 0) {
    throw new Error(`${folder} must belong to this user and be closed to others to hold bundles`);
  }
  return folder;
}

/** Builds run one at a time: each stops esbuild's compiler process when it is done. */
let building: Promise<unknown> = Promise.resolve();

/** Bundles `entry` (a TypeScript file) into one ES module. */
export function buildTypeScriptBundle(entry: URL): Promise<TypeScriptBundle> {
  const bundled = building.then(() => bundle(entry));
  building = bundled.catch(() => undefined);
  return bundled;
}

async function bundle(entry: URL): Promise<TypeScriptBundle> {
  const externals = new Map<string, string>();
  // esbuild's compiler is a child process that would stay resident; it starts again for the next build.
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    // Node's own conditions for an import (esbuild adds `import`, `default` and, for the platform, `node`).
    conditions: [],
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [resolvePackagesAsNode(externals)],
  }).finally(stop);
  const code = result.outputFiles[0]!.contents;
  const name = `${basename(fileURLToPath(entry), '.ts')}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`;
  const file = join(privateFolder(), name);
  // Written whole under another name, then renamed: no process or thread imports half a file.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return { file: pathToFileURL(file), externals };
}

const bundles = new Map<string, Promise<TypeScriptBundle>>();

/** The bundle of `entry`, built once per process. */
export function typeScriptBundle(entry: URL): Promise<TypeScriptBundle> {
  let built = bundles.get(entry.href);
  if (built === undefined) {
    built = buildTypeScriptBundle(entry);
    bundles.set(entry.href, built);
    // A failed build is tried again next time rather than remembered.
    built.catch(() => bundles.delete(entry.href));
  }
  return built;
}
