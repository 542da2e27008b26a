import { describe, expect, it } from 'vitest';
import { commonPasswords, parseCommonPasswords } from '../../src/directory/common-passwords.js';
import { InvalidRequestError } from '../../src/errors/app-error.js';
import {
  assertPasswordAllowed, createPasswordPolicy, DEFAULT_PASSWORD_POLICY_OPTIONS, isSimplePattern, type PasswordContext, type PasswordPolicyOptions,
} from '../../src/directory/password-policy.js';
import { PASSWORD } from '../support/fixtures.js';

const nobody: PasswordContext = {};
const ids = (policy: ReturnType<typeof createPasswordPolicy>, password: string, context: PasswordContext = nobody) => policy.check(password, context).map((rule) => rule.id);
/** Only the rule under test: no blocklist or personal-data rule getting in the way. */
const bare = (options: Partial<PasswordPolicyOptions> = {}) => createPasswordPolicy({ minLength: 8, rejectCommon: false, rejectPersonal: false, ...options });

describe('password policy defaults', () => {
  it('are 15 to 256 characters, no composition rules, common and personal passwords refused', () => {
    expect(createPasswordPolicy().options).toEqual({
      minLength: 15, maxLength: 256, requireLowercase: false, requireUppercase: false, requireDigit: false, requireSymbol: false, rejectCommon: true, rejectPersonal: true,
      temporaryPasswordValidityDays: 7,
    });
    expect(DEFAULT_PASSWORD_POLICY_OPTIONS).toEqual(createPasswordPolicy({}).options);
  });
  it('lists every active rule in order, in plain language, before anything is checked', () => {
    expect(createPasswordPolicy().rules()).toEqual([
      { id: 'min_length', text: 'At least 15 characters.' },
      { id: 'max_length', text: 'At most 256 characters.' },
      { id: 'common', text: 'Not one of the 10,000 most common passwords.' },
      { id: 'pattern', text: expect.stringMatching(/^Not one character or a short piece repeated, and not a simple sequence/) },
      { id: 'personal', text: 'Does not contain your username or e-mail address.' },
    ]);
  });
  it('lists the composition rules only when they are required', () => {
    const all = createPasswordPolicy({ minLength: 8, requireLowercase: true, requireUppercase: true, requireDigit: true, requireSymbol: true, rejectCommon: false, rejectPersonal: false });
    expect(all.rules().map((rule) => rule.id)).toEqual(['min_length', 'max_length', 'lowercase', 'uppercase', 'digit', 'symbol']);
    expect(all.rules()[0]).toEqual({ id: 'min_length', text: 'At least 8 characters.' });
  });
  it('accepts the passphrases the rest of the test suite signs up with', () => {
    const policy = createPasswordPolicy();
    expect(policy.check(PASSWORD, { email: 'alice@example.com', username: 'alice' })).toEqual([]);
    expect(policy.check('a long enough password', { email: 'bob@example.com', username: 'bob' })).toEqual([]);
    expect(policy.check('long enough password', { email: 'hal@example.com', username: 'gus' })).toEqual([]);
  });
  it('returns the broken rules with the same id and text that rules() shows', () => {
    const policy = createPasswordPolicy();
    const broken = policy.check('password', nobody);
    expect(broken).toEqual(policy.rules().filter((rule) => ['min_length', 'common'].includes(rule.id)));
  });
});

describe('password length', () => {
  it('refuses fewer than minLength characters and accepts exactly minLength', () => {
    const policy = bare({ minLength: 12 });
    expect(ids(policy, 'x1y2z3w4v5u')).toEqual(['min_length']);
    expect(ids(policy, 'x1y2z3w4v5u6')).toEqual([]);
    expect(ids(policy, '')).toEqual(['min_length']);
  });
  it('refuses more than maxLength characters and accepts exactly maxLength', () => {
    const policy = bare({ maxLength: 64 });
    expect(ids(policy, 'ab'.repeat(32))).toEqual([]);
    expect(ids(policy, `${'ab'.repeat(32)}c`)).toEqual(['max_length']);
  });
  it('counts an emoji as one character (one code point, not two UTF-16 units)', () => {
    const policy = bare({ minLength: 8 });
    const sevenEmoji = '🔑🚪🌙🐢🎻🧭🍋';
    expect(sevenEmoji.length).toBe(14);
    expect(ids(policy, sevenEmoji)).toEqual(['min_length']);
    expect(ids(policy, `${sevenEmoji}🦉`)).toEqual([]);
  });
  it('counts "e" + a combining accent as one character, as its precomposed form (NFKC)', () => {
    const decomposed = 'cafe\u0301cafe\u0301'; // 10 code points as typed, "cafécafé" (8) after NFKC
    expect([...decomposed].length).toBe(10);
    expect(ids(bare({ minLength: 9 }), decomposed)).toEqual(['min_length']);
    expect(ids(bare({ minLength: 8 }), decomposed)).toEqual([]);
    expect(ids(bare({ minLength: 8 }), 'cafécafé')).toEqual([]);
  });
  it('counts a combining mark without a precomposed form as its own code point', () => {
    const policy = bare({ minLength: 8 });
    expect(ids(policy, 'q\u0301q\u0301q\u0301q')).toEqual(['min_length']); // 7 code points
    expect(ids(policy, 'q\u0301q\u0301q\u0301q\u0301')).toEqual([]); // 8 code points
  });
  it('counts a full-width letter as its ASCII form, and a ligature as its letters', () => {
    const policy = bare({ minLength: 8 });
    expect(ids(policy, 'ﬁﬁﬁﬁ')).toEqual([]); // four ligatures are eight letters after NFKC
    expect(ids(policy, 'ﬁﬁﬁ')).toEqual(['min_length']);
  });
  it('refuses a password whose typed form exceeds the 1024 bytes sign-in accepts, even within maxLength', () => {
    const policy = bare();
    // 200 Hangul syllables typed as conjoining jamo: 600 code points of 3 bytes (1800 bytes), 200 after NFKC.
    const jamo = '\u1112\u1161\u11ab'.repeat(200);
    expect([...jamo.normalize('NFKC')].length).toBe(200);
    expect(ids(policy, jamo)).toEqual(['max_length']);
    expect(ids(policy, jamo.normalize('NFKC'))).toEqual([]);
  });
});

describe('composition rules', () => {
  it('require a lowercase letter, in any script', () => {
    const policy = bare({ requireLowercase: true });
    expect(ids(policy, 'NO LOWER CASE 123')).toEqual(['lowercase']);
    expect(ids(policy, 'ONE LOWER ß HERE')).toEqual([]);
  });
  it('require an uppercase letter, in any script', () => {
    const policy = bare({ requireUppercase: true });
    expect(ids(policy, 'no upper case 123')).toEqual(['uppercase']);
    expect(ids(policy, 'one upper Ж here')).toEqual([]);
  });
  it('require a digit, full-width digits counting after NFKC', () => {
    const policy = bare({ requireDigit: true });
    expect(ids(policy, 'no digits at all')).toEqual(['digit']);
    expect(ids(policy, 'a digit: ７ here')).toEqual([]);
  });
  it('require a symbol, a space counting as one', () => {
    const policy = bare({ requireSymbol: true });
    expect(ids(policy, 'NoSymbolsHere123')).toEqual(['symbol']);
    expect(ids(policy, 'one space here')).toEqual([]);
    expect(ids(policy, 'OneBang!Here')).toEqual([]);
    // An accent is part of its letter, not a symbol.
    expect(ids(policy, 'cafe\u0301cafe\u0301x')).toEqual(['symbol']);
  });
  it('report every broken composition rule at once', () => {
    const policy = bare({ requireLowercase: true, requireUppercase: true, requireDigit: true, requireSymbol: true });
    expect(ids(policy, 'abc')).toEqual(['min_length', 'uppercase', 'digit', 'symbol']);
    expect(ids(policy, 'Abcdefg1!')).toEqual([]);
  });
});

describe('common passwords', () => {
  const policy = createPasswordPolicy({ minLength: 8, rejectPersonal: false });
  it.each(['password123', 'qwertyuiop', 'iloveyou', 'letmein1', 'baseball', 'trustno1', 'football'])('refuses %s', (password) => {
    expect(ids(policy, password)).toEqual(['common']);
  });
  it('compares case-insensitively and after NFKC (full-width letters)', () => {
    expect(ids(policy, 'PassWord123')).toEqual(['common']);
    expect(ids(policy, 'ｐａｓｓｗｏｒｄ１２３')).toEqual(['common']);
  });
  it('refuses only the whole password, not a password containing one', () => {
    expect(ids(policy, 'password123 is what I used to use')).toEqual([]);
  });
  it('ships about ten thousand distinct entries, read once', () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThan(9_900);
    expect(list.has('password')).toBe(true);
    expect(commonPasswords()).toBe(list);
  });
  it('parses one password per line, folding case and skipping blank lines but keeping spaces', () => {
    expect([...parseCommonPasswords('Hunter2\r\n\n pass word \nHUNTER2\n')]).toEqual(['hunter2', ' pass word ']);
  });
  it('is not applied when rejectCommon is off', () => {
    expect(ids(createPasswordPolicy({ minLength: 8, rejectCommon: false }), 'password123')).toEqual([]);
    expect(createPasswordPolicy({ rejectCommon: false }).rules().map((rule) => rule.id)).not.toContain('common');
  });
});

describe('repeated characters and sequences', () => {
  const policy = createPasswordPolicy({ minLength: 8, rejectPersonal: false });
  it.each([
    ['one repeated character', 'zzzzzzzzzzzzzzzzzzzz'],
    ['a repeated emoji', '🔑🔑🔑🔑🔑🔑🔑🔑'],
    ['an ascending run of letters', 'abcdefghijklmnopq'],
    ['a descending run of letters', 'ZYXWVUTSRQPONMLK'],
    ['a run of digits wrapping from 9 to 0', '7890123456789'],
    ['a descending run of digits wrapping from 0 to 9', '3210987654'],
    ['a short piece repeated', 'abcabcabcabcabc'],
    ['a word repeated to reach the length', 'Hello!Hello!'],
  ])('refuses %s', (_, password) => {
    expect(ids(policy, password)).toContain('pattern');
  });
  it.each(['abcdefg1234567', 'aaaaaaab', 'correct horse battery', 'acegikmoqsuw'])('accepts %s', (password) => {
    expect(ids(policy, password)).toEqual([]);
  });
  it('accepts a piece repeated when the piece alone meets the minimum length', () => {
    expect(isSimplePattern('tangerine-robot'.repeat(2), 15)).toBe(false);
    expect(isSimplePattern('tangerine-robot'.repeat(2), 16)).toBe(true);
  });
});

describe('personal data', () => {
  const policy = createPasswordPolicy({ minLength: 8, rejectCommon: false });
  const alice: PasswordContext = { email: 'Alice.Liddell@Example.com', username: 'wonderland' };
  it('refuses the username, the e-mail or its local part, alone or inside the password, in any case', () => {
    expect(ids(policy, 'wonderland', alice)).toEqual(['personal']);
    expect(ids(policy, 'my WonderLand 2024', alice)).toEqual(['personal']);
    expect(ids(policy, 'alice.liddell@example.com', alice)).toEqual(['personal']);
    expect(ids(policy, 'hi ALICE.LIDDELL!', alice)).toEqual(['personal']);
  });
  it('compares identifiers after NFKC (a full-width username is still the username)', () => {
    expect(ids(policy, 'ｗｏｎｄｅｒｌａｎｄ!!', alice)).toEqual(['personal']);
    expect(ids(policy, 'x wonderland x', { username: 'ＷＯＮＤＥＲＬＡＮＤ' })).toEqual(['personal']);
  });
  it('refuses a local part shorter than 4 characters only when it is the whole password', () => {
    const bo = { email: 'bob@example.com', username: null };
    expect(ids(policy, 'kebob sandwich', bo)).toEqual([]);
    expect(ids(createPasswordPolicy({ minLength: 8, rejectCommon: false }), 'bob', bo)).toEqual(['min_length', 'personal']);
    expect(ids(policy, 'bobby tables', { email: 'bobb@example.com' })).toEqual(['personal']);
  });
  it('ignores absent or empty identifiers', () => {
    expect(ids(policy, 'nothing personal here', { email: null, username: '' })).toEqual([]);
    expect(ids(policy, 'nothing personal here', {})).toEqual([]);
  });
  it('is not applied when rejectPersonal is off', () => {
    expect(ids(createPasswordPolicy({ minLength: 8, rejectPersonal: false }), 'wonderland', alice)).toEqual([]);
  });
});

describe('password policy options', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a minimum below NIST\'s floor of 8', { minLength: 7 }, /minLength/],
    ['a fractional minimum', { minLength: 12.5 }, /minLength/],
    ['a maximum below 64', { maxLength: 63 }, /maxLength/],
    ['a maximum beyond what fits the hasher\'s 1024-byte bound', { maxLength: 257 }, /maxLength/],
    ['a minimum above the maximum', { minLength: 100, maxLength: 64 }, /minLength/],
    ['a non-boolean flag', { requireDigit: 'yes' }, /requireDigit/],
    ['an unknown option', { minimumLength: 10 }, /minimumLength/],
    ['a temporary password valid for 0 days', { temporaryPasswordValidityDays: 0 }, /temporaryPasswordValidityDays/],
    ['a temporary password valid for more than 365 days', { temporaryPasswordValidityDays: 366 }, /temporaryPasswordValidityDays/],
    ['a fractional temporary password validity', { temporaryPasswordValidityDays: 1.5 }, /temporaryPasswordValidityDays/],
  ])('refuses %s', (_, options, path) => {
    let error: unknown;
    try {
      createPasswordPolicy(options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(JSON.stringify((error as InvalidRequestError).details)).toMatch(path);
  });
  it('accepts a temporary password validity of 1 to 365 days, which changes no rule', () => {
    expect(createPasswordPolicy({ temporaryPasswordValidityDays: 1 }).options.temporaryPasswordValidityDays).toBe(1);
    const year = createPasswordPolicy({ temporaryPasswordValidityDays: 365 });
    expect(year.options.temporaryPasswordValidityDays).toBe(365);
    expect(year.rules()).toEqual(createPasswordPolicy().rules());
  });
  it('accepts Cognito\'s default policy (8 characters, all four classes)', () => {
    const cognito = createPasswordPolicy({ minLength: 8, requireLowercase: true, requireUppercase: true, requireDigit: true, requireSymbol: true });
    expect(ids(cognito, 'Tr0ub4dor&3')).toEqual([]);
    expect(ids(cognito, 'Password1')).toEqual(['symbol', 'common']);
  });
  it('keeps its options frozen', () => {
    const policy = createPasswordPolicy();
    expect(Object.isFrozen(policy.options)).toBe(true);
  });
});

describe('assertPasswordAllowed', () => {
  it('throws invalid_request with one detail per broken rule', () => {
    const policy = createPasswordPolicy();
    let error: unknown;
    try {
      assertPasswordAllowed(policy, 'password123', {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).details).toEqual([
      { path: 'password', message: 'At least 15 characters.' },
      { path: 'password', message: 'Not one of the 10,000 most common passwords.' },
    ]);
  });
  it('returns quietly for an acceptable password', () => {
    expect(() => assertPasswordAllowed(createPasswordPolicy(), PASSWORD, { username: 'alice' })).not.toThrow();
  });
});
