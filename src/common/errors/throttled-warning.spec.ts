import type { Logger } from '@nestjs/common';
import { ThrottledWarning } from './all-exceptions.filter.js';

describe('ThrottledWarning', () => {
  it('writes at most one line per interval, and the next one says how many were left out', () => {
    const lines: string[] = [];
    const logger = { warn: (line: string) => lines.push(line) } as unknown as Logger;
    const warning = new ThrottledWarning(logger, 60_000);
    for (let i = 0; i < 50; i++) warning.warn('busy');
    expect(lines).toEqual(['busy']);
    const immediate = new ThrottledWarning(logger, 0);
    immediate.warn('a');
    immediate.warn('b');
    expect(lines.slice(1)).toEqual(['a', 'b']);
  });
});
