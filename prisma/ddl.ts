import {
  columnName,
  constraintName,
  type DataModel,
  type DmmfField,
  type DmmfModel,
  postgresType,
  scalarFields,
  tableName,
} from './datamodel';

/**
 * Renders the whole data model as the PostgreSQL DDL `prisma migrate diff --from-empty` would
 * write, in the same order and naming. Without network the schema engine cannot run here; this is
 * how a first migration, or a reference for a hand-written one, is produced offline
 * (`npm run db:ddl`). The drift test, not this renderer, is the judge of a migration.
 */
export function renderCreateDdl(model: DataModel): string {
  const out: string[] = [];
  for (const e of model.enums) {
    const values = e.values.map((v) => `'${v.dbName ?? v.name}'`).join(', ');
    out.push(`-- CreateEnum\nCREATE TYPE "${e.dbName ?? e.name}" AS ENUM (${values});\n`);
  }
  for (const m of model.models) out.push(`-- CreateTable\n${createTable(m)}\n`);
  for (const idx of model.indexes) {
    if (idx.type !== 'unique' && idx.type !== 'normal') continue;
    const m = model.models.find((x) => x.name === idx.model);
    if (!m) continue;
    const table = tableName(m);
    const cols = idx.fields.map((f) => columnOf(m, f.name));
    const unique = idx.type === 'unique';
    const name = idx.dbName ?? (unique ? constraintName.unique(table, cols) : constraintName.index(table, cols));
    const list = cols.map((c) => `"${c}"`).join(', ');
    out.push(`-- CreateIndex\nCREATE ${unique ? 'UNIQUE ' : ''}INDEX "${name}" ON "${table}"(${list});\n`);
  }
  for (const m of model.models) {
    for (const f of m.fields) {
      if (f.kind !== 'object' || !f.relationFromFields?.length) continue;
      const target = model.models.find((x) => x.name === f.type);
      if (!target) continue;
      const from = f.relationFromFields.map((n) => columnOf(m, n));
      const to = (f.relationToFields ?? []).map((n) => columnOf(target, n));
      const onDelete = f.relationOnDelete ? toSqlAction(f.relationOnDelete) : f.isRequired ? 'RESTRICT' : 'SET NULL';
      out.push(
        `-- AddForeignKey\nALTER TABLE "${tableName(m)}" ADD CONSTRAINT "${constraintName.foreignKey(tableName(m), from)}" ` +
          `FOREIGN KEY (${from.map((c) => `"${c}"`).join(', ')}) REFERENCES "${tableName(target)}"(${to
            .map((c) => `"${c}"`)
            .join(', ')}) ON DELETE ${onDelete} ON UPDATE CASCADE;\n`,
      );
    }
  }
  return out.join('\n');
}

function createTable(m: DmmfModel): string {
  const table = tableName(m);
  const lines = scalarFields(m).map((f) => `    ${columnDefinition(f)}`);
  const pk =
    m.primaryKey?.fields.map((n) => columnOf(m, n)) ??
    scalarFields(m)
      .filter((f) => f.isId)
      .map(columnName);
  const body = [...lines, '', `    CONSTRAINT "${constraintName.primaryKey(table)}" PRIMARY KEY (${pk.map((c) => `"${c}"`).join(', ')})`];
  return `CREATE TABLE "${table}" (\n${body.join(',\n').replace(',\n,\n', ',\n\n')}\n);`;
}

function columnDefinition(f: DmmfField): string {
  const isSerial = typeof f.default === 'object' && f.default !== null && f.default.name === 'autoincrement';
  let type = postgresType(f);
  if (isSerial) type = type === 'BIGINT' ? 'BIGSERIAL' : 'SERIAL';
  if (f.kind === 'enum') type = `"${type}"`;
  const parts = [`"${columnName(f)}"`, type];
  if (f.isRequired) parts.push('NOT NULL');
  const def = isSerial ? undefined : defaultClause(f);
  if (def) parts.push(`DEFAULT ${def}`);
  return parts.join(' ');
}

function defaultClause(f: DmmfField): string | undefined {
  const d = f.default;
  if (d === undefined) return undefined;
  if (typeof d === 'object' && d !== null) {
    if (d.name === 'now') return 'CURRENT_TIMESTAMP';
    throw new Error(`default function ${d.name}() is not rendered by prisma/ddl.ts yet`);
  }
  if (typeof d === 'string') return f.kind === 'enum' ? `'${d}'` : `'${d.replace(/'/g, "''")}'`;
  return String(d);
}

function columnOf(m: DmmfModel, fieldName: string): string {
  const f = m.fields.find((x) => x.name === fieldName);
  if (!f) throw new Error(`${m.name}.${fieldName} not found`);
  return columnName(f);
}

function toSqlAction(action: string): string {
  const map: Record<string, string> = {
    Cascade: 'CASCADE',
    Restrict: 'RESTRICT',
    NoAction: 'NO ACTION',
    SetNull: 'SET NULL',
    SetDefault: 'SET DEFAULT',
  };
  return map[action] ?? 'RESTRICT';
}
