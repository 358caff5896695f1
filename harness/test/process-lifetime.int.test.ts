import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { sweepAbandonedTempDirs } from '../src/index.js';
import { pgrep, waitUntilGone } from './process-check.js';

const here = dirname(fileURLToPath(import.meta.url));

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
}

/** Runs the fixture, waits for its report, returns it with the server processes it started. */
async function runFixture(mode: 'exit' | 'drain' | 'wait') {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures', 'provide-then-linger.ts'), mode],
    {
      cwd: here,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0] as string);
    });
    child.on('exit', (code) => reject(new Error(`fixture exited early (${code}): ${stderr}`)));
  });
  const report = JSON.parse(line) as { postgres: string; redis: string; chroma: string };
  const servers = childPids(child.pid as number).map((pid) => ({ pid, cmd: commandLine(pid) }));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const go = () => child.stdin.write('go\n');
  return { child, report, servers, exited, go };
}

const tempDirs = (servers: { cmd: string }[]) =>
  servers.flatMap((s) => /(\S*slipway-(?:pg|chroma)-\S+)/.exec(s.cmd)?.[1] ?? []);

async function expectAllGone(servers: { pid: number; cmd: string }[]) {
  for (const server of servers) expect(await waitUntilGone(server.pid, 8000)).toBe(true);
  for (const server of servers) expect(pgrep(server.cmd.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).toEqual([]);
}

describe('providers in local mode without the machine servers', () => {
  it('start embedded Postgres, redis-server and Chroma, and stop() ends every process they started', async () => {
    process.env.SLIPWAY_TEST_MACHINE_SERVERS = 'off';
    process.env.SLIPWAY_TEST_PROVIDER = 'local';
    const { providePostgres, provideRedis, provideChroma } = await import('../src/index.js');
    const before = new Set(childPids(process.pid));
    const provided = await Promise.all([
      providePostgres(),
      providePostgres(),
      provideRedis(),
      provideChroma(),
    ]);
    const started = childPids(process.pid)
      .filter((pid) => !before.has(pid))
      .map((pid) => ({ pid, cmd: commandLine(pid) }));
    try {
      // Two databases, one shared embedded server.
      expect(provided.map((p) => p.mode)).toEqual(['local', 'local', 'local', 'local']);
      expect(new URL(provided[0].url).port).toBe(new URL(provided[1].url).port);
      expect(new URL(provided[0].url).port).not.toBe('5432');
      expect(new URL(provided[2].url).port).not.toBe('6379');
      const commands = started.map((s) => s.cmd).join('\n');
      expect(started).toHaveLength(3);
      expect(commands).toMatch(/chroma.* run --path /);
      expect(commands).toMatch(/postgres -D /);
      expect(commands).toMatch(/^redis-server 127\.0\.0\.1:\d+/m);
    } finally {
      await Promise.all(provided.map((p) => p.stop()));
    }
    await expectAllGone(started);
  }, 60_000);
});

describe('started servers never outlive the process that started them', () => {
  it.each(['drain'] as const)(
    'process ends normally (%s) without stop(): children stopped, temp dirs removed',
    async (mode) => {
      const run = await runFixture(mode);
      const commands = run.servers.map((s) => s.cmd).join('\n');
      expect(commands).toMatch(/postgres -D .*slipway-pg-/);
      expect(commands).toMatch(/redis-server 127\.0\.0\.1:\d+/);
      expect(commands).toMatch(/chroma.* run --path .*slipway-chroma-/);
      expect(run.servers).toHaveLength(3);
      run.go();
      await run.exited;
      await expectAllGone(run.servers);
      const dirs = tempDirs(run.servers);
      expect(dirs).toHaveLength(2);
      for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    },
    60_000,
  );

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'process killed by %s: children stopped',
    async (signal) => {
      const run = await runFixture('wait');
      expect(run.servers).toHaveLength(3);
      run.go();
      await new Promise((resolve) => setTimeout(resolve, 100));
      run.child.kill(signal);
      await run.exited;
      await expectAllGone(run.servers);
      // SIGTERM: the exit hook removed the temp dirs. SIGKILL: nothing in that process could; the
      // next harness run sweeps dirs whose owner PID is gone.
      if (signal === 'SIGKILL') sweepAbandonedTempDirs();
      const dirs = tempDirs(run.servers);
      expect(dirs).toHaveLength(2);
      for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    },
    60_000,
  );
});
