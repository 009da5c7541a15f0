import { describe, expect, it } from 'vitest';
import { invisibleTextProblem, markdownText, noteTextProblem } from '../../domain/human-text';

describe('text written by people for people', () => {
  it('a note may run over lines and hold tabs; one line may not; neither hides or reorders characters', () => {
    expect(noteTextProblem('called twice\r\n\tno answer\nretry tomorrow')).toBeUndefined();
    expect(invisibleTextProblem('called twice\nno answer')).toMatch(/line break .*U\+000A/);
    expect(noteTextProblem('paid \u2066999\u2069 EUR')).toMatch(/U\+2066/);
    expect(noteTextProblem('ok\u200B')).toMatch(/U\+200B/);
    expect(noteTextProblem('a\u2028b')).toMatch(/U\+2028/);
    expect(noteTextProblem('\n\t\n')).toMatch(/no visible character/);
  });

  it('escapes Markdown in text the Web UI renders, so a link or emphasis typed into a city stays text', () => {
    expect(markdownText('[Lyon](https://example.org) *vite*')).toBe('\\[Lyon\\]\\(https://example.org\\) \\*vite\\*');
    expect(markdownText('Saint-Étienne')).toBe('Saint-Étienne');
    expect(markdownText('a\\b_c`d')).toBe('a\\\\b\\_c\\`d');
  });
});
