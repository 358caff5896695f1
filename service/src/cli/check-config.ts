import { ConfigError, parseConfig } from '../config/load-config.js';
import { isEntryPoint } from '../is-entry-point.js';

/**
 * `node service/dist/cli/check-config.js`: validates the environment exactly as the service does at start
 * (every setting, production's refusals of insecure values, `*_FILE` secrets), connects to nothing, prints
 * every problem and exits 78 (EX_CONFIG) — or prints `config ok` and exits 0. Run it on a host with the image
 * about to be deployed:  docker run --rm --env-file /srv/slipway/production/env IMAGE service/dist/cli/check-config.js
 */
export function checkConfigCommand(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): number {
  if (argv.length > 0) {
    const help = argv.includes('--help') || argv.includes('-h');
    const usage =
      'Usage: node service/dist/cli/check-config.js\n  Validates the environment as the service does at start; connects to nothing. Exit 0 or 78.';
    (help ? console.log : console.error)(help ? usage : `unexpected argument: ${argv[0]}\n\n${usage}`);
    return help ? 0 : 2;
  }
  try {
    const config = parseConfig(env);
    console.log(`config ok (NODE_ENV=${config.NODE_ENV})`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 78;
  }
}

if (isEntryPoint(import.meta.url)) process.exitCode = checkConfigCommand(process.env, process.argv.slice(2));
