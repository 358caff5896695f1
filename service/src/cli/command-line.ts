import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export type ParsedCommandLine<T extends Options> =
  | {
      ok: true;
      values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true }>>['values'];
      positionals: string[];
    }
  | { ok: false; exitCode: number };

/**
 * Every CLI's argument parsing: `--help`/`-h` prints the usage (exit 0); an unknown option or a missing
 * value prints the reason and the usage (exit 2) — never a stack trace.
 */
export function parseCommandLine<T extends Options>(
  argv: string[],
  options: T,
  usage: string,
  out: Pick<Console, 'log' | 'error'>,
): ParsedCommandLine<T> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.log(usage);
    return { ok: false, exitCode: 0 };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { ok: true, values, positionals };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    out.error(`${reason}\n\n${usage}`);
    return { ok: false, exitCode: 2 };
  }
}
