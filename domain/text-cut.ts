/**
 * `text` at most `max` characters: a longer one ends with "…" in the last place. Never cut through a UTF-16 surrogate
 * pair: the cut text travels as JSON (a memo, a query's answer, a payload), and a lone surrogate is no text.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}
