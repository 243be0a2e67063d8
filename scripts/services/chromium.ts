// The browser tests drive Debian's Chromium. `npm test` installs the package when it is missing and
// this machine can (root, with apt-get), so a fresh clone needs nothing installed by hand; elsewhere
// it says so once, and each browser test names what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM } from '../../apps/web/test/browser.ts';
import { findExecutable } from './redis-server.ts';

export function ensureChromium(log: (message: string) => void): void {
  if (existsSync(CHROMIUM)) return;
  const aptGet = findExecutable('apt-get', process.env.PATH);
  if (aptGet === null || process.getuid?.() !== 0) {
    log(`no Chromium at ${CHROMIUM} and no way to install it here (needs root and apt-get): the browser tests will fail; install Debian's chromium package`);
    return;
  }
  log(`no Chromium at ${CHROMIUM}: installing Debian's chromium package for the browser tests`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
    const result = spawnSync(aptGet, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) {
      log(`apt-get ${args.join(' ')} failed (exit code ${result.status ?? result.signal}): the browser tests will fail`);
      return;
    }
  }
}
