/**
 * How a test waits: on a condition it can observe, never on a fixed delay (a 2-core CI machine is slower than any
 * guess). Both helpers poll every `intervalMs` and throw, naming `what`, after `timeoutMs`: a wait that runs out
 * fails the test instead of carrying on silently.
 */

/** Polls `condition` until it holds. */
export async function until(condition: () => boolean | Promise<boolean>, what = 'the condition', timeoutMs = 5000, intervalMs = 20): Promise<void> {
  await untilValue(condition, (held) => held, what, timeoutMs, intervalMs);
}

/** Polls `probe` until `done` holds for its value, and returns that value (the last one is in the error otherwise). */
export async function untilValue<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, what = 'the value', timeoutMs = 5000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value: ${describe(value)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 300) ?? String(value);
  } catch {
    return String(value);
  }
}
