import { describe, expect, it } from '@jest/globals';
import { MigrationError, planMigrations, type MigrationFile } from '../../src/migrations/run-migrations.js';

const file = (name: string, checksum = `c-${name}`): MigrationFile => ({
  name,
  sql: '',
  checksum,
  transactional: true,
});

describe('planMigrations', () => {
  it('returns the files not applied yet, in order', () => {
    expect(
      planMigrations([file('0001'), file('0002'), file('0003')], [{ name: '0001', checksum: 'c-0001' }]).map(
        (f) => f.name,
      ),
    ).toEqual(['0002', '0003']);
  });
  it('refuses edited, missing and out-of-order migrations, listing each', () => {
    expect(() =>
      planMigrations(
        [file('0001', 'changed'), file('0002'), file('0003')],
        [
          { name: '0001', checksum: 'c-0001' },
          { name: '0004', checksum: 'c-0004' },
        ],
      ),
    ).toThrow(
      new MigrationError(
        'refusing to migrate:\n  - 0001 was edited after it was applied (checksum differs)\n  - 0004 was applied but its file is missing\n  - 0002 sorts before the already applied 0004: rename it to run after it\n  - 0003 sorts before the already applied 0004: rename it to run after it',
      ),
    );
  });
});
