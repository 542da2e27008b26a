/**
 * One CSV line (RFC 4180): a cell is quoted when it holds a quote, a comma, a line break or surrounding
 * whitespace (which the importer would otherwise trim), with quotes doubled.
 */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map((cell) => (/[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',')}\n`;
}
