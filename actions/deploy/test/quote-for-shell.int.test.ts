import { execFileSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { quoteArgument, quoteArgv } from '../src/quote-for-shell.js';

// What a POSIX shell makes of a command line: run `printf '%s\0' <line>` and split on NUL.
function shellParse(commandLine: string): string[] {
  const output = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' });
  return output.split('\0').slice(0, -1);
}

describe('quoteArgv', () => {
  test('leaves plain arguments bare and quotes the rest', () => {
    expect(quoteArgv(['docker', 'run', '--name', 'slipway-staging-blue'])).toBe(
      'docker run --name slipway-staging-blue',
    );
    expect(quoteArgument('')).toBe("''");
    expect(quoteArgument("it's")).toBe(`'it'\\''s'`);
    expect(quoteArgument('$(reboot)')).toBe(`'$(reboot)'`);
  });

  test('rejects NUL bytes and empty commands', () => {
    expect(() => quoteArgument('a\0b')).toThrow(/NUL/);
    expect(() => quoteArgv([])).toThrow(/empty/);
  });

  test('hostile arguments survive a real shell unchanged', () => {
    const hostile = [
      '; rm -rf /',
      '`id`',
      '$(id)',
      "a'b",
      'a"b',
      '\\',
      '\n',
      '*',
      '~',
      '-n',
      'a b',
      '|&<>',
      '#x',
    ];
    expect(shellParse(quoteArgv(['printf', ...hostile]).slice('printf '.length))).toEqual(hostile);
  });

  test('any argv round-trips through /bin/sh', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary', minLength: 0, maxLength: 12 }).map((s) => s.replace(/\0/g, '')),
          { minLength: 1, maxLength: 5 },
        ),
        (argv) => {
          expect(shellParse(argv.map(quoteArgument).join(' '))).toEqual(argv);
        },
      ),
      { numRuns: 60 },
    );
  });
});
