import pg from 'pg';
import { columnName, constraintName, type DataModel, postgresType, scalarFields, tableName } from './datamodel';

/**
 * Compares a migrated database with the Prisma data model: tables, columns, types, nullability,
 * primary keys, unique constraints, indexes, foreign keys and enum values. Returns one readable
 * line per difference; an empty list means migrations and schema.prisma agree.
 */
export async function findSchemaDrift(databaseUrl: string, model: DataModel): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const actual = await readDatabase(client);
    return diff(expectedFrom(model), actual);
  } finally {
    await client.end();
  }
}

interface SchemaShape {
  /** table -> column -> "TYPE NULL|NOT NULL" */
  columns: Map<string, Map<string, string>>;
  primaryKeys: Map<string, string>;
  /** "table(colA,colB)" */
  uniques: Set<string>;
  indexes: Set<string>;
  /** "table(cols)->target(cols)" */
  foreignKeys: Set<string>;
  enums: Map<string, string>;
}

function expectedFrom(model: DataModel): SchemaShape {
  const shape = emptyShape();
  for (const e of model.enums) shape.enums.set(e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name).join(','));
  for (const m of model.models) {
    const table = tableName(m);
    const cols = new Map<string, string>();
    for (const f of scalarFields(m)) cols.set(columnName(f), `${postgresType(f)} ${f.isRequired ? 'NOT NULL' : 'NULL'}`);
    shape.columns.set(table, cols);
    const pk =
      m.primaryKey?.fields.map((n) => col(m, n)) ??
      scalarFields(m)
        .filter((f) => f.isId)
        .map(columnName);
    shape.primaryKeys.set(table, pk.join(','));
    for (const f of m.fields) {
      if (f.kind !== 'object' || !f.relationFromFields?.length) continue;
      const target = model.models.find((x) => x.name === f.type);
      if (!target) continue;
      const to = (f.relationToFields ?? []).map((n) => col(target, n));
      shape.foreignKeys.add(`${table}(${f.relationFromFields.map((n) => col(m, n)).join(',')})->${tableName(target)}(${to.join(',')})`);
    }
  }
  for (const idx of model.indexes) {
    const m = model.models.find((x) => x.name === idx.model);
    if (!m) continue;
    const key = `${tableName(m)}(${idx.fields.map((f) => col(m, f.name)).join(',')})`;
    if (idx.type === 'unique') shape.uniques.add(key);
    if (idx.type === 'normal') shape.indexes.add(key);
  }
  return shape;
}

function col(m: DataModel['models'][number], fieldName: string): string {
  const f = m.fields.find((x) => x.name === fieldName);
  if (!f) throw new Error(`${m.name}.${fieldName} not found`);
  return columnName(f);
}

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  character_maximum_length: number | null;
  datetime_precision: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
}

async function readDatabase(client: pg.Client): Promise<SchemaShape> {
  const shape = emptyShape();
  const columns = await client.query<ColumnRow>(`
    SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.character_maximum_length,
           c.datetime_precision, c.numeric_precision, c.numeric_scale
      FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> '_prisma_migrations'
     ORDER BY c.table_name, c.ordinal_position`);
  for (const row of columns.rows) {
    let table = shape.columns.get(row.table_name);
    if (!table) {
      table = new Map();
      shape.columns.set(row.table_name, table);
    }
    table.set(row.column_name, `${sqlType(row)} ${row.is_nullable === 'YES' ? 'NULL' : 'NOT NULL'}`);
  }
  // Indexes straight from pg_index: covers unique constraints, unique indexes, plain indexes and primary keys.
  const indexes = await client.query<{ table: string; is_primary: boolean; is_unique: boolean; cols: string[] }>(`
    SELECT t.relname::text AS table, ix.indisprimary AS is_primary, ix.indisunique AS is_unique,
           array_agg(a.attname::text ORDER BY k.ord) AS cols
      FROM pg_index ix
      JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
      CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
     WHERE t.relname <> '_prisma_migrations'
     GROUP BY t.relname, ix.indexrelid, ix.indisprimary, ix.indisunique`);
  for (const row of indexes.rows) {
    const key = `${row.table}(${row.cols.join(',')})`;
    if (row.is_primary) shape.primaryKeys.set(row.table, row.cols.join(','));
    else if (row.is_unique) shape.uniques.add(key);
    else shape.indexes.add(key);
  }
  const fks = await client.query<{ table: string; cols: string[]; target: string; target_cols: string[] }>(`
    SELECT src.relname::text AS table, tgt.relname::text AS target,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS target_cols
      FROM pg_constraint c
      JOIN pg_class src ON src.oid = c.conrelid
      JOIN pg_class tgt ON tgt.oid = c.confrelid
      JOIN pg_namespace n ON n.oid = src.relnamespace AND n.nspname = current_schema()
     WHERE c.contype = 'f'`);
  for (const row of fks.rows) shape.foreignKeys.add(`${row.table}(${row.cols.join(',')})->${row.target}(${row.target_cols.join(',')})`);
  const enums = await client.query<{ name: string; labels: string[] }>(`
    SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = current_schema()
     GROUP BY t.typname`);
  for (const row of enums.rows) shape.enums.set(row.name, row.labels.join(','));
  return shape;
}

function sqlType(row: ColumnRow): string {
  switch (row.data_type) {
    case 'text':
      return 'TEXT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double precision':
      return 'DOUBLE PRECISION';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'jsonb':
      return 'JSONB';
    case 'bytea':
      return 'BYTEA';
    case 'uuid':
      return 'UUID';
    case 'timestamp with time zone':
      return `TIMESTAMPTZ(${row.datetime_precision})`;
    case 'timestamp without time zone':
      return `TIMESTAMP(${row.datetime_precision})`;
    case 'character':
      return `CHAR(${row.character_maximum_length})`;
    case 'character varying':
      return row.character_maximum_length ? `VARCHAR(${row.character_maximum_length})` : 'VARCHAR';
    case 'numeric':
      return `DECIMAL(${row.numeric_precision},${row.numeric_scale})`;
    case 'USER-DEFINED':
      return row.udt_name;
    default:
      return row.data_type.toUpperCase();
  }
}

function emptyShape(): SchemaShape {
  return {
    columns: new Map(),
    primaryKeys: new Map(),
    uniques: new Set(),
    indexes: new Set(),
    foreignKeys: new Set(),
    enums: new Map(),
  };
}

function diff(expected: SchemaShape, actual: SchemaShape): string[] {
  const out: string[] = [];
  for (const [table, cols] of expected.columns) {
    const found = actual.columns.get(table);
    if (!found) {
      out.push(`table "${table}" is in schema.prisma but not in the database`);
      continue;
    }
    for (const [name, def] of cols) {
      const got = found.get(name);
      if (got === undefined) out.push(`column "${table}"."${name}" (${def}) is missing from the database`);
      else if (got !== def) out.push(`column "${table}"."${name}": schema.prisma says ${def}, database has ${got}`);
    }
    for (const [name, def] of found) {
      if (!cols.has(name)) out.push(`column "${table}"."${name}" (${def}) is in the database but not in schema.prisma`);
    }
    const pkWant = expected.primaryKeys.get(table);
    const pkGot = actual.primaryKeys.get(table);
    if (pkWant !== pkGot) out.push(`primary key of "${table}": schema.prisma (${pkWant}), database (${pkGot ?? 'none'})`);
  }
  for (const table of actual.columns.keys()) {
    if (!expected.columns.has(table)) out.push(`table "${table}" is in the database but not in schema.prisma`);
  }
  const setDiff = (what: string, want: Set<string>, got: Set<string>) => {
    for (const k of want) if (!got.has(k)) out.push(`${what} ${k} is in schema.prisma but not in the database`);
    for (const k of got) if (!want.has(k)) out.push(`${what} ${k} is in the database but not in schema.prisma`);
  };
  setDiff('unique', expected.uniques, actual.uniques);
  setDiff('index', expected.indexes, actual.indexes);
  setDiff('foreign key', expected.foreignKeys, actual.foreignKeys);
  for (const [name, values] of expected.enums) {
    const got = actual.enums.get(name);
    if (got === undefined) out.push(`enum "${name}" is missing from the database`);
    else if (got !== values) out.push(`enum "${name}": schema.prisma (${values}), database (${got})`);
  }
  for (const name of actual.enums.keys()) {
    if (!expected.enums.has(name)) out.push(`enum "${name}" is in the database but not in schema.prisma`);
  }
  return out;
}

/** Prisma names exported for tests that want to assert a specific constraint exists. */
export { constraintName };
