import { describe, expect, it } from 'vitest';
import { printableName } from './printable-name.js';

describe('printableName', () => {
  it('escapes controls, DEL, C1, line separators, bidi controls and lone surrogates', () => {
    expect(printableName('a\nb\rc\td\u0000e')).toBe('a\\u{a}b\\u{d}c\\u{9}d\\u{0}e');
    expect(printableName('\u001b[2J\u007f\u009b')).toBe('\\u{1b}[2J\\u{7f}\\u{9b}');
    expect(printableName('\u2028\u202e\u2066x\u200f')).toBe(
      '\\u{2028}\\u{202e}\\u{2066}x\\u{200f}',
    );
    expect(printableName('\ud800x\udc00')).toBe('\\u{d800}x\\u{dc00}');
  });

  it('keeps printable text, non-ASCII and astral characters included', () => {
    expect(printableName('orders-1 café 注文 🚀 <b>"q"</b>')).toBe(
      'orders-1 café 注文 🚀 <b>"q"</b>',
    );
  });
});
