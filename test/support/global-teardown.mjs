import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  await globalThis.__EMBEDDED_PG__?.stop();
  const build = process.env.TEST_BUILD_DIR;
  if (build) for (const path of [build, `${build}.lock`, `${build}.done`, `${build}.failed`]) rmSync(path, { recursive: true, force: true });
}
