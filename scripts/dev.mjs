/**
 * `npm run dev`: the TypeScript compiler in watch mode, and the compiled service under `node --watch`,
 * which restarts it whenever the compiler rewrites a file it loaded. The service starts after the first
 * compilation; Ctrl-C stops both. No extra dependency: tsc and Node's own watch mode.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const tscBin = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const tsc = spawn(process.execPath, [tscBin, '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], { stdio: ['ignore', 'pipe', 'inherit'] });
let service;

tsc.stdout.setEncoding('utf8');
tsc.stdout.on('data', (text) => {
  process.stdout.write(text);
  // tsc prints "Found N errors. Watching for file changes." after each compilation
  if (!service && /Found \d+ errors?\. Watching for file changes/.test(text)) {
    service = spawn(process.execPath, ['--watch', '--watch-preserve-output', 'dist/main.js'], { stdio: 'inherit' });
    service.on('exit', (code) => stop(code ?? 0));
  }
});
tsc.on('exit', (code) => stop(code ?? 0));

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  tsc.kill('SIGTERM');
  if (service && service.exitCode === null) {
    // the service drains and stops its embedded PostgreSQL on SIGTERM; exit once it has
    service.once('exit', () => process.exit(code));
    service.kill('SIGTERM');
  } else {
    process.exit(code);
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(0));
