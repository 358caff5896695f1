import { AppError } from './app-error.js';

/** The configuration is invalid: every problem at once. The CLIs print `message` and exit 78. */
export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super(
      500,
      'invalid-configuration',
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** A migration was refused or failed; nothing after it was applied. */
export class MigrationError extends AppError {
  constructor(detail: string) {
    super(500, 'migration-failed', detail);
    this.name = 'MigrationError';
  }
}
