// The thin shell around ssh2: connect with a pinned host key, run argv commands (quoted by the one
// quoting function), read and write files over SFTP. Nothing here decides anything.
import { randomBytes } from 'node:crypto';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { Argv } from './host-commands.js';
import { entriesForHost, isHostKeyPinned, parseKnownHosts } from './known-hosts.js';
import { quoteArgv } from './quote-for-shell.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Do not throw on a non-zero exit; the caller inspects `code`. */
  allowFailure?: boolean;
  /** Do not echo output lines to the log (the caller prints what matters). */
  quiet?: boolean;
}

/**
 * What the deploy needs from a host. File operations go over the one SFTP session (no process per
 * operation, no shell); commands go through exec, quoted by quote-for-shell.
 */
export interface RemoteHost {
  run(argv: Argv, options?: RunOptions): Promise<CommandResult>;
  readFile(path: string): Promise<string | null>;
  writeFileAtomic(path: string, data: string, mode: number): Promise<void>;
  appendFile(path: string, data: string): Promise<void>;
  /** Permission bits of path, or null when it does not exist. */
  mode(path: string): Promise<number | null>;
  readlink(path: string): Promise<string | null>;
  /** Creates path as a symlink to target (fails if path exists). */
  symlink(target: string, path: string): Promise<void>;
  /** rename(2): atomic, replaces `to`. */
  rename(from: string, to: string): Promise<void>;
  /** link(2): false when `to` already exists (atomic test-and-set). */
  hardlink(from: string, to: string): Promise<boolean>;
  /** Removes a file; false when it did not exist. */
  unlink(path: string): Promise<boolean>;
  close(): void;
}

export class CommandFailedError extends Error {
  constructor(
    readonly argv: Argv,
    readonly result: CommandResult,
  ) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    super(`command failed (exit ${result.code}): ${quoteArgv(argv)}${detail ? `\n${detail}` : ''}`);
  }
}

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  knownHosts: string;
  log: (line: string) => void;
}

/** ssh2's host-key algorithm names for the key types pinned in known_hosts. */
function hostKeyAlgorithms(keyTypes: string[]): ConnectConfig['algorithms'] {
  const names = new Set<string>();
  for (const type of keyTypes) {
    if (type === 'ssh-rsa') ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].forEach((name) => names.add(name));
    else names.add(type);
  }
  return { serverHostKey: [...names] as never };
}

function isNoSuchFile(error: unknown): boolean {
  return (error as { code?: number }).code === 2; // SSH_FX_NO_SUCH_FILE
}

export async function connectSsh(target: SshTarget): Promise<RemoteHost> {
  const pinned = entriesForHost(parseKnownHosts(target.knownHosts), target.host, target.port);
  if (pinned.length === 0) {
    throw new Error(`known-hosts has no entry for ${target.host}:${target.port}; refusing to connect`);
  }
  const client = new Client();
  let rejectedKey = false;
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (error) =>
      reject(
        rejectedKey
          ? new Error(
              `host key of ${target.host}:${target.port} does not match known-hosts; refusing to connect`,
            )
          : error,
      ),
    );
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      readyTimeout: 20_000,
      keepaliveInterval: 10_000,
      algorithms: hostKeyAlgorithms(pinned.map((entry) => entry.keyType)),
      hostVerifier: (key: Buffer) => {
        const ok = isHostKeyPinned(pinned, target.host, target.port, key);
        if (!ok) rejectedKey = true;
        return ok;
      },
    });
  });

  let sftpSession: Promise<SFTPWrapper> | undefined;
  const sftp = (): Promise<SFTPWrapper> =>
    (sftpSession ??= new Promise((resolve, reject) =>
      client.sftp((error, session) => (error ? reject(error) : resolve(session))),
    ));

  const run = (argv: Argv, options: RunOptions = {}): Promise<CommandResult> =>
    new Promise((resolve, reject) => {
      const commandLine = quoteArgv(argv);
      if (!options.quiet) target.log(`$ ${commandLine}`);
      client.exec(commandLine, (error, stream) => {
        if (error) return reject(error);
        let stdout = '';
        let stderr = '';
        stream.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
        });
        stream.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        stream.on('close', (code: number | null, signal?: string) => {
          const result = { code: code ?? (signal ? 128 : 255), stdout, stderr };
          if (!options.quiet) {
            for (const line of `${stdout}${stderr}`.split('\n')) if (line.trim()) target.log(`  ${line}`);
          }
          if (result.code !== 0 && !options.allowFailure) reject(new CommandFailedError(argv, result));
          else resolve(result);
        });
      });
    });

  const remote: RemoteHost = {
    run,
    async readFile(path) {
      const session = await sftp();
      return new Promise((resolve, reject) =>
        session.readFile(path, 'utf8', (error, data) => {
          if (error) {
            if (isNoSuchFile(error)) resolve(null);
            else reject(error);
          } else resolve(String(data));
        }),
      );
    },
    async writeFileAtomic(path, data, mode) {
      const session = await sftp();
      const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
      await new Promise<void>((resolve, reject) =>
        session.writeFile(temporary, data, { mode }, (error) => (error ? reject(error) : resolve())),
      );
      await new Promise<void>((resolve, reject) =>
        session.ext_openssh_rename(temporary, path, (error) => (error ? reject(error) : resolve())),
      );
    },
    async mode(path) {
      const session = await sftp();
      return new Promise((resolve, reject) =>
        session.stat(path, (error, stats) => {
          if (error) return isNoSuchFile(error) ? resolve(null) : reject(error);
          resolve(stats.mode & 0o7777);
        }),
      );
    },
    async readlink(path) {
      const session = await sftp();
      return new Promise((resolve, reject) =>
        session.readlink(path, (error, target) => {
          if (error) return isNoSuchFile(error) ? resolve(null) : reject(error);
          resolve(target);
        }),
      );
    },
    async symlink(target, path) {
      const session = await sftp();
      await new Promise<void>((resolve, reject) =>
        session.symlink(target, path, (error) => (error ? reject(error) : resolve())),
      );
    },
    async rename(from, to) {
      const session = await sftp();
      await new Promise<void>((resolve, reject) =>
        session.ext_openssh_rename(from, to, (error) => (error ? reject(error) : resolve())),
      );
    },
    async hardlink(from, to) {
      const session = await sftp();
      const linked = await new Promise<boolean>((resolve) =>
        session.ext_openssh_hardlink(from, to, (error) => resolve(!error)),
      );
      if (linked) return true;
      // The only expected failure is "to exists"; anything else (missing source, permissions) is real.
      const sourceExists = (await remote.mode(from)) !== null;
      const targetExists = (await remote.mode(to)) !== null;
      if (sourceExists && targetExists) return false;
      throw new Error(`could not link ${from} to ${to}`);
    },
    async unlink(path) {
      const session = await sftp();
      return new Promise((resolve, reject) =>
        session.unlink(path, (error) => {
          if (error) return isNoSuchFile(error) ? resolve(false) : reject(error);
          resolve(true);
        }),
      );
    },
    async appendFile(path, data) {
      const session = await sftp();
      await new Promise<void>((resolve, reject) =>
        session.appendFile(path, data, { mode: 0o640 }, (error) => (error ? reject(error) : resolve())),
      );
    },
    close() {
      client.end();
    },
  };
  return remote;
}
