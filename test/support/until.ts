/** Polls `condition` every 20 ms until it holds; throws (naming `what`) after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, what = 'the condition', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
