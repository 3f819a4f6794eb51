// `npm run clean` (run before every build): removes dist/ so a deleted or renamed source file leaves no stale output.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
