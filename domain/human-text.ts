/**
 * Text a person wrote for other people to read: a customer's name, an address line, a city. It is printed on labels,
 * shown on ops pages and in mails, and compared by ops ("is this the same customer?"), so what is invisible is refused:
 *
 * - direction overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069): "Rue ‮2 ecalp" renders as another
 *   street than the one the carrier's sorter reads (the Trojan Source trick, applied to a label);
 * - invisible characters that carry no meaning in a name or an address: zero-width space, word joiner and the
 *   invisible operators (U+200B, U+2060–U+2064), a byte-order mark inside the text (U+FEFF), the Mongolian vowel
 *   separator (U+180E) and the Hangul fillers that pass for a blank name (U+115F, U+1160, U+3164, U+FFA0);
 * - text with no visible character at all.
 *
 * The zero-width joiner and non-joiner (U+200C, U+200D) and the left-to-right and right-to-left marks (U+200E, U+200F)
 * stay: Persian, Indic scripts and emoji need them inside words, and a mark changes no character's order.
 */
const DIRECTION_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE = /[\u200B\u2060-\u2064\uFEFF\u180E\u115F\u1160\u3164\uFFA0]/u;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

const codePoint = (character: string) => `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why this text cannot be printed for people as it is, or undefined. */
export function invisibleTextProblem(text: string): string | undefined {
  const direction = DIRECTION_CONTROL.exec(text);
  if (direction) return `contains a text-direction control character (${codePoint(direction[0])}) that would reorder what is printed`;
  const invisible = INVISIBLE.exec(text);
  if (invisible) return `contains an invisible character (${codePoint(invisible[0])})`;
  if (text !== '' && !VISIBLE.test(text)) return 'has no visible character';
  return undefined;
}
