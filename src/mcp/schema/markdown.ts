import type { Catalog, CatalogColumn, SchemaTable } from './catalog.js';
import { GENERAL_HINTS, TABLE_NOTES } from './hints.js';

function columnLine(column: CatalogColumn, references: Map<string, string>): string {
  const notes: string[] = [];
  if (column.primary_key) notes.push('primary key');
  const ref = references.get(column.column_name);
  if (ref) notes.push(`→ ${ref}`);
  if (!column.not_null && !column.primary_key) notes.push('nullable');
  if (column.default_expr && !column.default_expr.startsWith('nextval('))
    notes.push(`default ${column.default_expr}`);
  return `- ${column.column_name}:${column.data_type}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

function validValues(table: SchemaTable, catalog: Catalog): string[] {
  const stores = catalog.stores.map((s) => `${s.name}${s.online ? ' (online)' : ''}`).join(', ');
  const years = catalog.orderYears.length ? catalog.orderYears.join(', ') : 'none visible to you';
  const types = () => {
    const byCategory = new Map<string, string[]>();
    for (const { category, type } of catalog.types)
      byCategory.set(category, [...(byCategory.get(category) ?? []), type]);
    return [...byCategory].map(([category, names]) => `  - ${category}: ${names.join(', ')}`);
  };
  switch (table) {
    case 'retail.stores':
    case 'retail.inventory':
    case 'retail.customers':
      return [`- store_name: ${stores}`];
    case 'retail.categories':
      return [`- category_name: ${catalog.categories.join(', ')}`];
    case 'retail.product_types':
      return ['- type_name by category_name:', ...types()];
    case 'retail.products':
      return [
        `- category_name: ${catalog.categories.join(', ')}`,
        '- type_name by category_name:',
        ...types(),
      ];
    case 'retail.orders':
    case 'retail.order_items':
      return [`- order years (EXTRACT(YEAR FROM order_date)): ${years}`, `- store_name: ${stores}`];
  }
}

/** Markdown for one table: purpose, `col:type` list, relationships, valid values, query hints. */
export function tableMarkdown(table: SchemaTable, catalog: Catalog): string {
  const name = table.slice('retail.'.length);
  const columns = catalog.columns.filter((column) => column.table_name === name);
  const outgoing = catalog.foreignKeys.filter((fk) => fk.from_table === name);
  const incoming = catalog.foreignKeys.filter((fk) => fk.to_table === name && fk.from_table !== name);
  const references = new Map<string, string>();
  for (const fk of outgoing) {
    if (fk.from_columns.length === 1)
      references.set(fk.from_columns[0], `retail.${fk.to_table}.${fk.to_columns[0]}`);
  }
  const relationships = [
    ...outgoing.map(
      (fk) =>
        `- ${table}.${fk.from_columns.join(', ')} → retail.${fk.to_table}.${fk.to_columns.join(', ')} (MANY_TO_ONE)`,
    ),
    ...incoming.map(
      (fk) =>
        `- ${table}.${fk.to_columns.join(', ')} ← retail.${fk.from_table}.${fk.from_columns.join(', ')} (ONE_TO_MANY)`,
    ),
  ];
  const notes = TABLE_NOTES[table];
  return [
    `## ${table}`,
    '',
    notes.purpose,
    '',
    '### Columns',
    ...columns.map((column) => columnLine(column, references)),
    '',
    '### Relationships',
    ...(relationships.length ? relationships : ['- none']),
    '',
    '### Valid values',
    ...validValues(table, catalog),
    '',
    '### Query hints',
    ...notes.hints.map((hint) => `- ${hint}`),
  ].join('\n');
}

export function schemasMarkdown(tables: SchemaTable[], catalog: Catalog): string {
  const intro = ['# Zava retail schema (PostgreSQL)', '', ...GENERAL_HINTS.map((hint) => `- ${hint}`)].join(
    '\n',
  );
  return [intro, ...tables.map((table) => tableMarkdown(table, catalog))].join('\n\n');
}
