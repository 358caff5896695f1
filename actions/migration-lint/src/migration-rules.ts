// The rules: which statements are unsafe while the previous release is still serving (blue/green runs
// migrations before the switch, so the old code must keep working against the new schema).

export const ruleIds = [
  'drop-table',
  'drop-column',
  'rename-table',
  'rename-column',
  'alter-column-type',
  'set-not-null',
  'add-column-not-null',
  'create-index-non-concurrent',
  'edited-migration',
] as const;

export type RuleId = (typeof ruleIds)[number];

export const ruleDescriptions: Record<RuleId, string> = {
  'drop-table': 'DROP TABLE breaks the running release, which still reads and writes the table',
  'drop-column': 'DROP COLUMN breaks the running release, which still selects or inserts the column',
  'rename-table': 'RENAME of a table breaks the running release, which still uses the old name',
  'rename-column': 'RENAME COLUMN breaks the running release, which still uses the old name',
  'alter-column-type':
    'ALTER COLUMN TYPE rewrites the table under an exclusive lock and can break the running release',
  'set-not-null':
    'SET NOT NULL scans the table under an exclusive lock and fails inserts of the running release',
  'add-column-not-null':
    'ADD COLUMN ... NOT NULL without a DEFAULT fails on existing rows and on inserts of the running release',
  'create-index-non-concurrent':
    'CREATE INDEX without CONCURRENTLY blocks writes to an existing table while it builds',
  'edited-migration':
    'migrations already on the base branch are applied somewhere; add a new migration instead',
};

export function isRuleId(value: string): value is RuleId {
  return (ruleIds as readonly string[]).includes(value);
}

export interface RuleHit {
  rule: RuleId;
  /** Table the statement acts on (normalised: schema-qualified unless public). */
  table: string;
  message: string;
}

type Node = Record<string, unknown>;

function child(node: unknown, key: string): Node | undefined {
  const value = (node as Node | undefined)?.[key];
  return typeof value === 'object' && value !== null ? (value as Node) : undefined;
}

function list(node: unknown, key: string): Node[] {
  const value = (node as Node | undefined)?.[key];
  return Array.isArray(value) ? (value as Node[]) : [];
}

function text(node: unknown, key: string): string {
  const value = (node as Node | undefined)?.[key];
  return typeof value === 'string' ? value : '';
}

export function tableKey(schema: string, name: string): string {
  return schema && schema !== 'public' ? `${schema}.${name}` : name;
}

function relationKey(relation: Node | undefined): string {
  return tableKey(text(relation, 'schemaname'), text(relation, 'relname'));
}

const serialTypes = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

function addsNotNullWithoutValue(columnDef: Node | undefined): boolean {
  const constraints = list(columnDef, 'constraints').map((entry) =>
    text(child(entry, 'Constraint'), 'contype'),
  );
  const notNull = constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY');
  const supplied = ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].some((type) =>
    constraints.includes(type),
  );
  const typeNames = list(child(columnDef, 'typeName'), 'names').map((name) =>
    text(child(name, 'String'), 'sval'),
  );
  const serial = serialTypes.has(typeNames[typeNames.length - 1] ?? '');
  return notNull && !supplied && !serial;
}

/** Tables a statement creates (CREATE TABLE, CREATE TABLE AS), so later statements may change them freely. */
export function tablesCreatedBy(statement: Node): string[] {
  const create = child(statement, 'CreateStmt');
  if (create) return [relationKey(child(create, 'relation'))];
  const createAs = child(statement, 'CreateTableAsStmt');
  if (createAs) return [relationKey(child(child(createAs, 'into'), 'rel'))];
  return [];
}

/** For ALTER TABLE x RENAME TO y: the pair [x, y] (so a new table stays new under its new name). */
export function tableRenamedBy(statement: Node): [string, string] | undefined {
  const rename = child(statement, 'RenameStmt');
  if (!rename || text(rename, 'renameType') !== 'OBJECT_TABLE') return undefined;
  const relation = child(rename, 'relation');
  return [relationKey(relation), tableKey(text(relation, 'schemaname'), text(rename, 'newname'))];
}

/** Every unsafe operation in one statement. */
export function checkStatement(statement: Node): RuleHit[] {
  const hits: RuleHit[] = [];
  const drop = child(statement, 'DropStmt');
  if (drop && text(drop, 'removeType') === 'OBJECT_TABLE') {
    for (const object of list(drop, 'objects')) {
      const names = list(child(object, 'List'), 'items').map((item) => text(child(item, 'String'), 'sval'));
      const table = tableKey(
        names.length > 1 ? (names[names.length - 2] ?? '') : '',
        names[names.length - 1] ?? '',
      );
      hits.push({ rule: 'drop-table', table, message: `DROP TABLE ${table}` });
    }
  }
  const alter = child(statement, 'AlterTableStmt');
  if (alter && text(alter, 'objtype') === 'OBJECT_TABLE') {
    const table = relationKey(child(alter, 'relation'));
    for (const entry of list(alter, 'cmds')) {
      const command = child(entry, 'AlterTableCmd');
      const column = text(command, 'name');
      switch (text(command, 'subtype')) {
        case 'AT_DropColumn':
          hits.push({ rule: 'drop-column', table, message: `DROP COLUMN ${table}.${column}` });
          break;
        case 'AT_AlterColumnType':
          hits.push({ rule: 'alter-column-type', table, message: `ALTER COLUMN ${table}.${column} TYPE` });
          break;
        case 'AT_SetNotNull':
          hits.push({ rule: 'set-not-null', table, message: `ALTER COLUMN ${table}.${column} SET NOT NULL` });
          break;
        case 'AT_AddColumn': {
          const columnDef = child(child(command, 'def'), 'ColumnDef');
          if (addsNotNullWithoutValue(columnDef)) {
            hits.push({
              rule: 'add-column-not-null',
              table,
              message: `ADD COLUMN ${table}.${text(columnDef, 'colname')} NOT NULL without a DEFAULT`,
            });
          }
          break;
        }
      }
    }
  }
  const rename = child(statement, 'RenameStmt');
  if (rename) {
    const relation = child(rename, 'relation');
    const table = relationKey(relation);
    const renameType = text(rename, 'renameType');
    if (renameType === 'OBJECT_TABLE') {
      hits.push({
        rule: 'rename-table',
        table,
        message: `RENAME TABLE ${table} TO ${text(rename, 'newname')}`,
      });
    } else if (renameType === 'OBJECT_COLUMN' && text(rename, 'relationType') === 'OBJECT_TABLE') {
      hits.push({
        rule: 'rename-column',
        table,
        message: `RENAME COLUMN ${table}.${text(rename, 'subname')} TO ${text(rename, 'newname')}`,
      });
    }
  }
  const index = child(statement, 'IndexStmt');
  if (index && index.concurrent !== true) {
    const table = relationKey(child(index, 'relation'));
    const name = text(index, 'idxname');
    hits.push({
      rule: 'create-index-non-concurrent',
      table,
      message: `CREATE INDEX ${name ? `${name} ` : ''}ON ${table} without CONCURRENTLY`,
    });
  }
  return hits;
}
