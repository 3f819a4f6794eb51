import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** CI=true (any value but empty, 0 or false): what the CI runner sets, and what .ci/run exports. */
export const inCi = (): boolean => !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

/** The first of `names` found as an executable on PATH, or undefined. */
export function findOnPath(...names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * A suite that needs an external program must not vanish when the program is missing. With `found`, the
 * suite runs. Without it: in CI (CI=true) one test fails with `hint`, so the run fails; elsewhere (a
 * developer's laptop) the skip is plain to see: one warning line, and a skipped test named "SKIPPED: <what>
 * not found" in Jest's summary.
 */
export function describeWithTool(title: string, tool: { what: string; found: unknown; hint: string }, suite: () => void): void {
  if (tool.found) {
    describe(title, suite);
    return;
  }
  const reason = `${tool.what} not found (${tool.hint})`;
  describe(title, () => {
    if (inCi()) {
      it(`needs ${tool.what} (CI=true)`, () => {
        throw new Error(`${reason}: in CI a missing ${tool.what} fails the run instead of skipping "${title}"`);
      });
      return;
    }
    // straight to stderr: Jest drops the console output of a file whose every test is skipped
    process.stderr.write(`SKIPPED "${title}": ${reason}. In CI (CI=true) this fails the run.\n`);
    test.skip(`SKIPPED: ${reason}`, () => undefined);
  });
}
