/**
 * Text a person wrote for other people to read: a customer's name, an address line, a city. It is printed on labels,
 * shown on ops pages and in mails, and compared by ops ("is this the same customer?"), so what is invisible is refused:
 *
 * - direction overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069): "Rue ‮2 ecalp" renders as another
 *   street than the one the carrier's sorter reads (the Trojan Source trick, applied to a label);
 * - invisible characters that carry no meaning in a name or an address: zero-width space, word joiner and the
 *   invisible operators (U+200B, U+2060–U+2064), a byte-order mark inside the text (U+FEFF), the Mongolian vowel
 *   separator (U+180E) and the Hangul fillers that pass for a blank name (U+115F, U+1160, U+3164, U+FFA0);
 * - every other format character (Unicode's Cf: the soft hyphen U+00AD inside a word, the deprecated format controls
 *   U+206A–U+206F, the interlinear annotation marks U+FFF9–U+FFFB that hide the text between them, the tag characters
 *   U+E0000–U+E007F that spell a hidden text after "Camille"…), and the default-ignorable marks that show nothing (the
 *   combining grapheme joiner U+034F, the Khmer inherent vowels U+17B4, U+17B5), and the braille blank U+2800, which passes
 *   for a blank name as the Hangul fillers do;
 * - a line break or any other control character (a tab, CR, LF, NEL U+0085, the separators U+2028, U+2029): a name or an
 *   address line is one line of the label, and "Camille\n99 rue Fausse" would print as two;
 * - text with no visible character at all.
 *
 * The zero-width joiner and non-joiner (U+200C, U+200D) and the left-to-right, right-to-left and Arabic letter marks
 * (U+200E, U+200F, U+061C) stay: Persian, Indic scripts and emoji need them inside words, and a mark changes no
 * character's order. So do variation selectors (an emoji's U+FE0F, a Japanese name's ideographic variant) and the tag
 * characters of an emoji flag of a region (🏴 followed by tags and U+E007F: Scotland's, Wales's).
 */
const DIRECTION_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE = /[\u200B\u2060-\u2064\uFEFF\u180E\u115F\u1160\u3164\uFFA0]/u;
/** Format characters and marks that show nothing, beyond INVISIBLE's; the joiners and the marks listed above excepted. */
const HIDDEN = /\p{Cf}|\u034F|\u17B4|\u17B5|\u2800/u;
const KEPT_FORMAT = new Set([0x200c, 0x200d, 0x200e, 0x200f, 0x061c]);
/** An emoji flag of a region: the black flag, tag letters or digits, the cancel tag. */
const REGION_FLAG = /\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,6}\u{E007F}/gu;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job
const LINE_BREAK_OR_CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/u;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

const codePoint = (character: string) => `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * `text` without its direction overrides, embeddings and isolates: for text Colis shows but cannot refuse (a carrier's
 * scan detail or place, which a refused webhook would only send again), so it reads in the order it was written.
 */
export function withoutDirectionControls(text: string): string {
  return text.replace(/[\u202A-\u202E\u2066-\u2069]/gu, '');
}

/** Why this text cannot be printed for people as it is, or undefined. */
export function invisibleTextProblem(text: string): string | undefined {
  const direction = DIRECTION_CONTROL.exec(text);
  if (direction) return `contains a text-direction control character (${codePoint(direction[0])}) that would reorder what is printed`;
  const invisible = INVISIBLE.exec(text) ?? hiddenCharacter(text.replace(REGION_FLAG, ''));
  if (invisible) return `contains an invisible character (${codePoint(invisible[0])})`;
  const control = LINE_BREAK_OR_CONTROL.exec(text);
  if (control) return `contains a line break or control character (${codePoint(control[0])}): it is printed on one line`;
  if (text !== '' && !VISIBLE.test(text)) return 'has no visible character';
  return undefined;
}

/** The first format character or blank mark of `text` that is not one of the joiners and marks scripts need. */
function hiddenCharacter(text: string): [string] | undefined {
  for (const character of text) {
    if (HIDDEN.test(character) && !KEPT_FORMAT.has(character.codePointAt(0) ?? 0)) return [character];
  }
  return undefined;
}

/**
 * A note a person wrote for others to read (ops' notes on claims and escalations, a cancellation reason, a customer's
 * comment on a return): it may run over several lines (LF or CRLF) and hold tabs; otherwise it reads as it prints, for
 * the same reasons as names do: a direction override in a claim note shows ops another amount than the one written.
 */
export function noteTextProblem(text: string): string | undefined {
  return invisibleTextProblem(text.replace(/\r?\n|\t/g, ' '));
}

/**
 * Text shown where Markdown is rendered (Temporal's Web UI renders workflow summaries): its Markdown punctuation escaped,
 * so a city written "[Lyon](https://…)" reads as typed instead of becoming a link.
 */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, '\\$&');
}
