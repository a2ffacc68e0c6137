import { describe, expect, it } from 'vitest';
import { counted } from '../../src/cli/counted.ts';

describe('counted', () => {
  it('says "1 exception" and "0 exceptions", "2 exceptions"', () => {
    expect(counted(1, 'exception')).toBe('1 exception');
    expect(counted(0, 'exception')).toBe('0 exceptions');
    expect(counted(2, 'exception')).toBe('2 exceptions');
  });

  it('takes an irregular plural', () => {
    expect(counted(1, 'entry', 'entries')).toBe('1 entry');
    expect(counted(12, 'entry', 'entries')).toBe('12 entries');
  });
});
