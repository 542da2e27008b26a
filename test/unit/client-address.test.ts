import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/interaction/client-address.js';

describe('client address for the sign-in throttle', () => {
  it('accepts IPv4 and IPv6 addresses, with the port a proxy may append stripped', () => {
    expect(parseAddress('198.51.100.7')).toBe('198.51.100.7');
    expect(parseAddress('198.51.100.7:5678')).toBe('198.51.100.7');
    expect(parseAddress('2001:DB8::1')).toBe('2001:db8::1');
    expect(parseAddress('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(parseAddress('[2001:db8::1]')).toBe('2001:db8::1');
    expect(parseAddress('::ffff:198.51.100.7')).toBe('::ffff:198.51.100.7');
  });
  it('refuses anything else', () => {
    for (const value of ['', 'abc', '1.2.3.4.5', '1.2.3', '256.1.1.1', '1.2.3.4:', '1.2.3.4:70000', '[1.2.3.4]:80', '[2001:db8::1]:99999', '2001:db8::1:443:x', ' 1.2.3.4', 'unknown', '_hidden']) {
      expect(parseAddress(value), value).toBeUndefined();
    }
  });
});
