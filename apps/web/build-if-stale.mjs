// Builds the dashboard (`vite build` into dist/) when dist/ is missing or older than anything it is
// built from: the page's sources and the contracts it bundles. Run by the root postinstall (so
// `npm ci` leaves a built page) and by scripts/bootstrap.mjs (so `npm test` and `npm run demo` never
// serve a page older than its sources). Up to date, it only compares mtimes. Plain JavaScript with
// Node's modules only, like bootstrap.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('.', import.meta.url));
const built = join(web, 'dist', 'index.html');
const inputs = [
  join(web, 'index.html'),
  join(web, 'package.json'),
  join(web, 'tsconfig.json'),
  join(web, 'src'),
  join(web, '..', '..', 'packages', 'contracts', 'src'),
];

/** The newest mtime of a file, or of every file under a folder. */
function newestMtime(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs), stats.mtimeMs);
}

function reasonToBuild() {
  if (!existsSync(built)) return 'the dashboard is not built';
  const builtAt = statSync(built).mtimeMs;
  const newer = inputs.find((input) => existsSync(input) && newestMtime(input) > builtAt);
  return newer === undefined ? null : `${newer} changed since the dashboard was built`;
}

const reason = reasonToBuild();
if (reason !== null) {
  console.log(`web: ${reason}; running vite build`);
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`web: vite build failed (exit code ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}
