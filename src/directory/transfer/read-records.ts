import type { Readable } from 'node:stream';
import type * as CsvParse from 'csv-parse';
import { InvalidRequestError } from '../../errors/app-error.js';
import { headerProblem } from './cognito-csv-columns.js';
import { csvRecordToUser } from './csv-record.js';
import { jsonLineToUser } from './json-record.js';
import { RowRejection, type TransferFormat, type TransferUser } from './transfer-user.js';

/** One input row: the user it describes, or why it cannot be read. */
export type InputRow =
  | { line: number; identifier: string | null; ok: true; user: TransferUser }
  | { line: number; identifier: string | null; ok: false; reason: string };

// Loaded with the first CSV read, not at start: only an import reads CSV.
let library: Promise<typeof CsvParse> | undefined;
const csvParse = () => library ??= import('csv-parse');

/** The longest row or line read (a hostile file cannot make the reader buffer without bound). */
export const MAX_ROW_CHARACTERS = 64 * 1024;

function rejected(line: number, identifier: string | null, error: unknown): InputRow {
  if (error instanceof RowRejection) return { line, identifier, ok: false, reason: error.message };
  throw error;
}

/**
 * Reads Cognito-format CSV as a stream (csv-parse: quoted fields, embedded line breaks, a byte-order mark),
 * one row at a time: nothing is kept once a row is handed on. `checkHeader` refuses a header (unknown or
 * undeclared columns) before any row is read. A malformed file (an unclosed quote) stops the reading with
 * an InvalidRequestError naming the line.
 */
async function* readCsv(input: Readable, checkHeader: (columns: string[]) => void): AsyncGenerator<InputRow> {
  // An error of the source (a file that cannot be read) is the parser's: the loop below throws it. One raised
  // while csv-parse is still loading is kept and handed on too.
  const early: Error[] = [];
  const keep = (error: Error) => { early.push(error); };
  input.once('error', keep);
  const { parse } = await csvParse();
  input.off('error', keep);
  const parser = input.pipe(parse({ bom: true, info: true, trim: true, skip_empty_lines: true, relax_column_count: true, max_record_size: MAX_ROW_CHARACTERS }));
  input.once('error', (error) => parser.destroy(error));
  if (early[0]) parser.destroy(early[0]);
  let header: string[] | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        header = record;
        const problem = headerProblem(header);
        if (problem) throw new InvalidRequestError(`the CSV header is not Cognito's user import header: ${problem}`);
        checkHeader(header);
        continue;
      }
      const cells: Record<string, string> = {};
      header.forEach((column, index) => { cells[column] = record[index] ?? ''; });
      const identifier = cells['cognito:username'] || cells['email'] || null;
      if (record.length !== header.length) {
        yield { line: info.lines, identifier, ok: false, reason: `the row has ${record.length} cells; the header has ${header.length}` };
        continue;
      }
      try {
        yield { line: info.lines, identifier, ok: true, user: csvRecordToUser(cells) };
      } catch (error) {
        yield rejected(info.lines, identifier, error);
      }
    }
  } catch (error) {
    if (error instanceof InvalidRequestError) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) throw new InvalidRequestError(`the CSV file is malformed: ${(error as Error).message}`);
    throw error;
  }
  if (!header) throw new InvalidRequestError('the CSV file is empty: it needs at least the header');
}

/** Splits a byte stream into lines, never holding more than one line (a longer one is reported, not kept). */
async function* lines(input: Readable): AsyncGenerator<{ line: number; text: string | null }> {
  let pending = '';
  let tooLong = false;
  let number = 0;
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      number += 1;
      const text = tooLong ? null : pending + chunk.slice(start, end);
      yield { line: number, text: text !== null && text.length > MAX_ROW_CHARACTERS ? null : text };
      pending = '';
      tooLong = false;
      start = end + 1;
    }
    if (!tooLong) pending += chunk.slice(start);
    if (pending.length > MAX_ROW_CHARACTERS) {
      pending = '';
      tooLong = true;
    }
  }
  if (pending !== '' || tooLong) yield { line: number + 1, text: tooLong ? null : pending };
}

/** Reads JSON Lines: one user object per line; blank lines are skipped. */
async function* readJsonLines(input: Readable): AsyncGenerator<InputRow> {
  for await (const { line, text } of lines(input)) {
    if (text === null) {
      yield { line, identifier: null, ok: false, reason: `the line is longer than ${MAX_ROW_CHARACTERS} characters` };
      continue;
    }
    const trimmed = text.replace(/^\uFEFF/, '').trim();
    if (trimmed === '') continue;
    try {
      const user = jsonLineToUser(trimmed);
      yield { line, identifier: user.username ?? user.email ?? null, ok: true, user };
    } catch (error) {
      yield rejected(line, null, error);
    }
  }
}

/** The rows of an import file, one at a time, in file order. */
export function readRecords(input: Readable, format: TransferFormat, checkHeader: (columns: string[]) => void): AsyncGenerator<InputRow> {
  return format === 'csv' ? readCsv(input, checkHeader) : readJsonLines(input);
}
