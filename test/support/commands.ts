import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiled } from './service-process.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a compiled script of this run's build (`compiled('scripts/…')`, after buildService) as `npm run` would,
 * in an empty working folder of its own (so no `.env` or `.data/` of the repository is read), with only PATH
 * and the given variables in its environment.
 */
export function runCommand(script: string, args: string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'checkout-command-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [compiled(script), ...args],
      { cwd, env: { PATH: process.env.PATH, ...env }, timeout: options.timeoutMs ?? 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
