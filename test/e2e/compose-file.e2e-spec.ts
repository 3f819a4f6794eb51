import { execFileSync, spawnSync } from 'node:child_process';
import { describeWithTool } from '../support/required-tool.js';

/** `docker compose config` (or Debian's docker-compose) validates the compose file without a Docker engine. */
function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}

const compose = composeCommand();

// without either: a failure in CI, a plainly reported skip elsewhere (support/required-tool.ts)
describeWithTool(
  'docker-compose.yml',
  { what: 'docker-compose', found: compose, hint: 'neither `docker compose` nor `docker-compose` is installed; apt-get install docker-compose, as .ci/run does' },
  () => {
    const config = (env: Record<string, string>) => {
      const [command, ...args] = compose!;
      return execFileSync(command, [...args, '-f', 'docker-compose.yml', 'config'], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    };

    it('is valid, with PostgreSQL 18 (volume, health check), a migration step and the API after it', () => {
      const text = config({ JWT_SECRET: 'x'.repeat(40), METRICS_TOKEN: 'm'.repeat(20) });
      expect(text).toMatch(/image: postgres:18/);
      expect(text).toMatch(/pg_isready/);
      expect(text).toMatch(/migrate:[\s\S]*dist\/scripts\/migrate\.js[\s\S]*run/);
      expect(text).toMatch(/condition: service_completed_successfully/);
      expect(text).toMatch(/pgdata/);
    });

    it('refuses to render without JWT_SECRET or METRICS_TOKEN', () => {
      expect(() => config({ JWT_SECRET: '', METRICS_TOKEN: 'm'.repeat(20) })).toThrow();
      expect(() => config({ JWT_SECRET: 'x'.repeat(40), METRICS_TOKEN: '' })).toThrow();
    });

    it('does not trust X-Forwarded-For unless TRUST_PROXY is set', () => {
      expect(config({ JWT_SECRET: 'x'.repeat(40), METRICS_TOKEN: 'm'.repeat(20) })).toMatch(/TRUST_PROXY: "?false"?/);
    });
  },
);
