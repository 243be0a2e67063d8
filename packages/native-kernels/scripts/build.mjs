// The package's install script: compiles the addon with node-gyp against the system's OpenBLAS
// headers (Debian: libopenblas-dev). A machine without a compiler, python3 or those headers still
// installs: the build failure is reported in one line and the trainer uses its wasm matmul instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
// npm hands its own node-gyp to install scripts; otherwise one on PATH.
const nodeGyp = process.env.npm_config_node_gyp;
const command = nodeGyp ? [process.execPath, nodeGyp] : ['node-gyp'];
const args = ['rebuild'];
// node-gyp downloads Node's headers unless told where they are; a Node installed with its headers
// (Debian's nodejs, the official tarballs) has them beside its binary, which works offline.
const localHeaders = join(dirname(process.execPath), '..', 'include', 'node', 'node_api.h');
if (!process.env.npm_config_nodedir && existsSync(localHeaders)) args.push(`--nodedir=${join(dirname(process.execPath), '..')}`);

const result = spawnSync(command[0], [...command.slice(1), ...args], { cwd: packageDir, encoding: 'utf8' });
if (result.status === 0) {
  console.log('@lab/native-kernels: built against the system OpenBLAS');
} else {
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const cause =
    result.error?.message ??
    output.split('\n').find((line) => /cblas\.h|fatal error|not found|ERR! stack Error/.test(line))?.trim() ??
    `node-gyp exited with ${result.status}`;
  console.warn(
    `@lab/native-kernels: not built (${cause}); training will use the wasm kernels. For the native one, install ` +
      'libopenblas-dev, python3 and a C compiler, then run `npm rebuild @lab/native-kernels`.',
  );
}
