import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The Prisma data model as Prisma itself parses it (DMMF), read offline through Prisma's own
 * schema parser compiled to WebAssembly. The drift test and the DDL renderer both start here,
 * so neither re-implements the schema language.
 */

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType: [string, string[]] | null;
  default?: { name: string; args: unknown[] } | string | number | boolean;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  isDefinedOnField: boolean;
  dbName?: string | null;
  fields: { name: string }[];
}

export interface DmmfEnum {
  name: string;
  dbName: string | null;
  values: { name: string; dbName: string | null }[];
}

export interface DataModel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

interface SchemaWasm {
  get_dmmf(params: string): string;
}

export const SCHEMA_PATH = fileURLToPath(new URL('./schema.prisma', import.meta.url));

export function loadDataModel(schemaPath: string = SCHEMA_PATH): DataModel {
  const require = createRequire(import.meta.url);
  const wasm = require('@prisma/prisma-schema-wasm') as SchemaWasm;
  const schema = readFileSync(schemaPath, 'utf8');
  const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: [[schemaPath, schema]] }))) as {
    datamodel: DataModel;
  };
  return dmmf.datamodel;
}

export const tableName = (model: DmmfModel): string => model.dbName ?? model.name;
export const columnName = (field: DmmfField): string => field.dbName ?? field.name;
export const scalarFields = (model: DmmfModel): DmmfField[] => model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');

/** PostgreSQL column type Prisma Migrate gives a field, as information_schema would name it. */
export function postgresType(field: DmmfField): string {
  if (field.kind === 'enum') return field.type;
  const native = field.nativeType;
  if (native) {
    const [name, args] = native;
    switch (name) {
      case 'Timestamptz':
        return `TIMESTAMPTZ(${args[0] ?? 3})`;
      case 'Timestamp':
        return `TIMESTAMP(${args[0] ?? 3})`;
      case 'Date':
        return 'DATE';
      case 'Char':
        return `CHAR(${args[0] ?? 1})`;
      case 'VarChar':
        return args[0] ? `VARCHAR(${args[0]})` : 'VARCHAR';
      case 'Uuid':
        return 'UUID';
      default:
        throw new Error(`native type @db.${name} is not mapped in prisma/datamodel.ts yet`);
    }
  }
  switch (field.type) {
    case 'String':
      return 'TEXT';
    case 'Int':
      return 'INTEGER';
    case 'BigInt':
      return 'BIGINT';
    case 'Float':
      return 'DOUBLE PRECISION';
    case 'Boolean':
      return 'BOOLEAN';
    case 'DateTime':
      return 'TIMESTAMP(3)';
    case 'Json':
      return 'JSONB';
    case 'Decimal':
      return 'DECIMAL(65,30)';
    case 'Bytes':
      return 'BYTEA';
    default:
      throw new Error(`scalar type ${field.type} is not mapped in prisma/datamodel.ts yet`);
  }
}

/** Constraint and index names exactly as Prisma Migrate derives them. */
export const constraintName = {
  primaryKey: (table: string) => `${table}_pkey`,
  unique: (table: string, columns: string[]) => `${table}_${columns.join('_')}_key`,
  index: (table: string, columns: string[]) => `${table}_${columns.join('_')}_idx`,
  foreignKey: (table: string, columns: string[]) => `${table}_${columns.join('_')}_fkey`,
};
