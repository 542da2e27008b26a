import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvRecordToUser } from '../../src/directory/transfer/csv-record.js';
import { csvLine } from '../../src/directory/transfer/csv-line.js';
import { formatIdentityList, parseIdentityList } from '../../src/directory/transfer/identity-list.js';
import { MAX_ROW_CHARACTERS, readRecords, type InputRow } from '../../src/directory/transfer/read-records.js';

async function rows(text: string | Readable, format: 'csv' | 'json', checkHeader: (columns: string[]) => void = () => {}): Promise<InputRow[]> {
  const read: InputRow[] = [];
  for await (const row of readRecords(typeof text === 'string' ? Readable.from([text]) : text, format, checkHeader)) read.push(row);
  return read;
}

/** Heap in use after a collection when the runner exposes one, else as it is. */
function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

describe('latchkey:identities cells', () => {
  it('round-trips subjects and issuers holding the separators', () => {
    const identities = [{ provider: 'corp', subject: 'a;b|c%3B' }, { provider: 'microsoft', subject: 'x:y', issuer: 'https://login.microsoftonline.com/0f6a…/v2.0' }];
    const cell = formatIdentityList(identities);
    expect(cell).toBe('corp:a%3Bb%7Cc%253B;microsoft:x:y|https://login.microsoftonline.com/0f6a…/v2.0');
    expect(parseIdentityList(cell)).toEqual(identities);
    expect(parseIdentityList(' ; ')).toEqual([]);
  });

  it('refuses an entry without provider or subject', () => {
    expect(() => parseIdentityList('corp')).toThrow('latchkey:identities: "corp" is not provider:subject');
    expect(() => parseIdentityList(':x')).toThrow(/is not provider:subject/);
    expect(() => parseIdentityList('corp:x|')).toThrow(/malformed issuer/);
  });
});

describe('Cognito CSV rows', () => {
  it('takes an e-mail-shaped cognito:username as the address and a UUID one as no username', () => {
    expect(csvRecordToUser({ 'cognito:username': 'Ann@Example.com', email: '' })).toMatchObject({ email: 'Ann@Example.com' });
    expect(csvRecordToUser({ 'cognito:username': 'ann@example.com', email: 'ANN@example.com' })).not.toHaveProperty('username');
    expect(csvRecordToUser({ 'cognito:username': '3f1c6a0e-2b7d-4f7e-9a51-8d0b6f3c2a11', email: 'ann@example.com' })).toEqual({ email: 'ann@example.com', profile: {}, customAttributes: {} });
    expect(() => csvRecordToUser({ 'cognito:username': 'ann@example.com', email: 'bob@example.com' })).toThrow('cognito:username is an e-mail address other than the email column');
  });

  it('reads absent columns as not given and empty cells as removals', () => {
    const user = csvRecordToUser({ 'cognito:username': 'ann', name: '', nickname: 'Annie', 'custom:tier': '', phone_number: '', 'latchkey:groups': 'a; b;', 'latchkey:status': 'RESET_REQUIRED', 'latchkey:enabled': 'FALSE' });
    expect(user).toEqual({ username: 'ann', profile: { name: null, nickname: 'Annie' }, customAttributes: { tier: null }, phoneNumber: null, groups: ['a', 'b'], status: 'reset_required', enabled: false });
    expect(() => csvRecordToUser({ 'cognito:username': 'ann', phone_number_verified: 'yes' })).toThrow('phone_number_verified: "yes" is not true or false');
  });

  it('reads back what the writer quotes: commas, quotes, line breaks and surrounding spaces', async () => {
    const name = ' Doe, "Jr."\nsecond line ';
    const read = await rows(csvLine(['cognito:username', 'name']) + csvLine(['ann', name]), 'csv');
    expect(read).toEqual([{ line: 3, identifier: 'ann', ok: true, user: { username: 'ann', profile: { name }, customAttributes: {} } }]);
  });

  it('refuses a header with unknown, repeated or undeclared columns before any row, and rejects rows with the wrong cell count', async () => {
    await expect(rows('email,sub\nann@example.com,1\n', 'csv')).rejects.toThrow('the CSV header is not Cognito\'s user import header: unknown column "sub"');
    await expect(rows('email,email\n', 'csv')).rejects.toThrow(/appears twice/);
    await expect(rows('name,given_name\n', 'csv')).rejects.toThrow(/needs a cognito:username or an email column/);
    await expect(rows('email,custom:plan\n', 'csv', () => { throw new Error('custom:plan is not declared'); })).rejects.toThrow('custom:plan is not declared');
    await expect(rows('', 'csv')).rejects.toThrow(/the CSV file is empty/);
    await expect(rows('email,name\n"unclosed,x\n', 'csv')).rejects.toThrow(/the CSV file is malformed/);
    expect(await rows('email,name\nann@example.com\n', 'csv')).toEqual([{ line: 2, identifier: 'ann@example.com', ok: false, reason: 'the row has 1 cells; the header has 2' }]);
  });
});

describe('JSON Lines', () => {
  it('reads one user per line, skipping blank lines, and rejects bad lines with the line number', async () => {
    const text = `${JSON.stringify({ username: 'ann', groups: ['a'], profile: { name: 'Ann' } })}\n\n{"username": 5}\nnot json\n{"username":"bob","shoe_size":44}\r\n${'x'.repeat(MAX_ROW_CHARACTERS + 1)}\n{"email":"c@example.com"}`;
    expect(await rows(text, 'json')).toEqual([
      { line: 1, identifier: 'ann', ok: true, user: { username: 'ann', groups: ['a'], profile: { name: 'Ann' }, customAttributes: {} } },
      { line: 3, identifier: null, ok: false, reason: 'username: Invalid input: expected string, received number' },
      { line: 4, identifier: null, ok: false, reason: 'not a JSON object' },
      { line: 5, identifier: null, ok: false, reason: 'line: Unrecognized key: "shoe_size"' },
      { line: 6, identifier: null, ok: false, reason: `the line is longer than ${MAX_ROW_CHARACTERS} characters` },
      { line: 7, identifier: 'c@example.com', ok: true, user: { email: 'c@example.com', profile: {}, customAttributes: {} } },
    ]);
  });
});

describe('reading a large file', () => {
  it('reads 100,000 CSV rows one at a time: the heap does not grow with the file', { timeout: 60_000 }, async () => {
    const hash = `$firebase-scrypt$r=8,m=14$Bw==$${'A'.repeat(88)}$${'B'.repeat(16)}$${'C'.repeat(88)}`;
    const rowsCount = 100_000;
    function* file(): Generator<string> {
      yield csvLine(['cognito:username', 'email', 'name', 'latchkey:password_hash', 'latchkey:groups']);
      for (let i = 0; i < rowsCount; i += 1) yield csvLine([`user${i}`, `user${i}@example.com`, `User number ${i} with a longer display name`, hash, 'staff;imported;everyone']);
    }
    let bytes = 0;
    const source = Readable.from((function* counted() {
      for (const line of file()) {
        bytes += line.length;
        yield line;
      }
    })());
    const before = heapUsed();
    let peak = 0;
    let count = 0;
    for await (const row of readRecords(source, 'csv', () => {})) {
      expect(row.ok).toBe(true);
      count += 1;
      if (count % 10_000 === 0) peak = Math.max(peak, heapUsed() - before);
    }
    expect(count).toBe(rowsCount);
    expect(bytes).toBeGreaterThan(30_000_000);
    // Holding the rows would take several times the file's 33 MB of text; one at a time stays flat.
    expect(peak).toBeLessThan(24 * 1024 * 1024);
  });
});
