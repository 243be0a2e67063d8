// Installs dependencies when they are missing or older than the lock file, so `npm test` and
// `npm run demo` work on a fresh clone. Plain JavaScript with no imports outside Node: it runs
// before node_modules exists. When everything is in place it only compares two mtimes.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lockFile = `${root}package-lock.json`;
// npm writes this after every successful install; it is the install's own record of the tree.
const installedLock = `${root}node_modules/.package-lock.json`;

/** Why an install is needed, or null when node_modules matches the lock file. */
function reasonToInstall() {
  if (!existsSync(installedLock)) return 'node_modules is missing or incomplete';
  if (existsSync(lockFile) && statSync(lockFile).mtimeMs > statSync(installedLock).mtimeMs) {
    return 'package-lock.json is newer than node_modules';
  }
  return null;
}

const reason = reasonToInstall();
if (reason !== null) {
  const args = existsSync(lockFile) ? ['ci'] : ['install'];
  console.log(`bootstrap: ${reason}; running npm ${args.join(' ')}`);
  const result = spawnSync('npm', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) {
    console.error(`bootstrap: could not run npm: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`bootstrap: npm ${args.join(' ')} failed (exit code ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

// The dashboard: the install builds it (postinstall); here it is rebuilt when its sources changed since.
await import('../apps/web/build-if-stale.mjs');
