import { execFileSync, spawnSync } from 'node:child_process';

/** `docker compose config` (or Debian's docker-compose) validates the compose file without a Docker engine. */
function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}

const compose = composeCommand();
if (!compose) console.warn('Compose file check skipped: neither `docker compose` nor `docker-compose` is installed (.ci/run installs docker-compose)');

(compose ? describe : describe.skip)('docker-compose.yml', () => {
  const config = (env: Record<string, string>) => {
    const [command, ...args] = compose!;
    return execFileSync(command, [...args, '-f', 'docker-compose.yml', 'config'], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };

  it('is valid, with PostgreSQL 18 (volume, health check), a migration step and the API after it', () => {
    const text = config({ JWT_SECRET: 'x'.repeat(40) });
    expect(text).toMatch(/image: postgres:18/);
    expect(text).toMatch(/pg_isready/);
    expect(text).toMatch(/migrate:[\s\S]*dist\/scripts\/migrate\.js[\s\S]*run/);
    expect(text).toMatch(/condition: service_completed_successfully/);
    expect(text).toMatch(/pgdata/);
  });

  it('refuses to render without JWT_SECRET', () => {
    expect(() => config({ JWT_SECRET: '' })).toThrow();
  });
});
