// The ONE place where an argv array becomes text for a remote shell. SSH's exec request carries a single
// command string that the remote user's login shell parses, so every argument is quoted here and nowhere
// else. POSIX single quotes make every byte literal except the single quote itself, which is written as
// '\'' (close, escaped quote, reopen). Arguments made only of characters no shell treats specially are
// left bare so logs stay readable.

const bareArgument = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument for a POSIX shell (sh, dash, bash, zsh in sh mode). */
export function quoteArgument(argument: string): string {
  if (argument.includes('\0')) throw new Error('an argument cannot contain a NUL byte');
  if (argument.length > 0 && bareArgument.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** Joins an argv array into one command line whose shell parse gives back exactly that argv. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('an empty command cannot be run');
  const [program] = argv;
  if (!program) throw new Error('the program name cannot be empty');
  return argv.map(quoteArgument).join(' ');
}
