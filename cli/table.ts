/** Plain-text tables a person reads at a glance: a header, aligned columns, two spaces apart. */

/** A table's columns (header text) and its rows, each cell a string. */
export interface Table {
  readonly title?: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Renders `table` with each column as wide as its widest cell; trailing spaces trimmed. */
export function renderTable(table: Table): string {
  const widths = table.columns.map((column, index) =>
    Math.max(column.length, ...table.rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, index) => (cell ?? '').padEnd(widths[index])).join('  ').trimEnd();
  const lines = [line(table.columns.map((column) => column.toUpperCase())), ...table.rows.map(line)];
  return [...(table.title ? [table.title] : []), ...lines].join('\n');
}

/** Several tables (and notes), a blank line between them. */
export function renderSections(sections: readonly (Table | string)[]): string {
  return sections.map((section) => (typeof section === 'string' ? section : renderTable(section))).join('\n\n');
}
