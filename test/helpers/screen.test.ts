// The test terminal (screen.ts): a line the terminal wrapped reads back as the program wrote it.
import { describe, expect, it } from 'vitest';
import { Screen } from './screen.js';

describe('Screen.logicalLines', () => {
  it('joins a wrapped line back whole, a space at the wrap included', () => {
    const screen = new Screen(10);
    screen.write('0123456789 next\r\nshort\r\n');
    expect(screen.logicalLines()).toEqual(['0123456789 next', 'short']);
    const spaced = new Screen(10);
    spaced.write('012345678 wrapped here\r\n');
    expect(spaced.lines()).toEqual(['012345678', 'wrapped he', 're']);
    expect(spaced.logicalLines()).toEqual(['012345678 wrapped here']);
  });
});
