'use strict';
/**
 * The pthread worker of tfjs' threaded SIMD wasm build, started from a file. As shipped, the backend
 * starts it from a blob: URL, which Node's Worker refuses; the script itself supports Node. Its source
 * is exported as a string whose "\n" escapes the package unescapes before use, and it expects
 * `require` and `__filename` in scope, as in a CommonJS file.
 */
const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');

new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n'))(require, __filename);
