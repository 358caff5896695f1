import type { CiStep } from './ci-steps.js';

export interface CiLocalOptions {
  readonly only: readonly string[];
  readonly skip: readonly string[];
  readonly list: boolean;
  readonly keepGoing: boolean;
}

/** Parses `ci:local` flags: --only a,b  --skip a,b  --list  --keep-going. Names match case-insensitively. */
export function parseCiLocalArgs(args: readonly string[]): CiLocalOptions {
  const options = { only: [] as string[], skip: [] as string[], list: false, keepGoing: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--list') options.list = true;
    else if (arg === '--keep-going') options.keepGoing = true;
    else if (arg === '--only' || arg === '--skip') {
      const value = args[++i];
      if (value === undefined) throw new Error(`${arg} needs a comma-separated list of step names`);
      options[arg === '--only' ? 'only' : 'skip'].push(...value.split(',').map((name) => name.trim()));
    } else throw new Error(`unknown argument ${arg} (use --list, --only, --skip, --keep-going)`);
  }
  return options;
}

/** The steps to run, in ci.yml order; unknown names are an error so a typo never silently skips a gate. */
export function selectSteps(steps: readonly CiStep[], options: CiLocalOptions): CiStep[] {
  const known = new Set(steps.map((step) => step.name.toLowerCase()));
  for (const name of [...options.only, ...options.skip]) {
    if (!known.has(name.toLowerCase())) {
      throw new Error(`unknown step "${name}"; steps are: ${steps.map((step) => step.name).join(', ')}`);
    }
  }
  const only = new Set(options.only.map((name) => name.toLowerCase()));
  const skip = new Set(options.skip.map((name) => name.toLowerCase()));
  return steps.filter(
    (step) => (only.size === 0 || only.has(step.name.toLowerCase())) && !skip.has(step.name.toLowerCase()),
  );
}
