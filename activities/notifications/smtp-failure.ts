import { domainToASCII } from 'node:url';

/**
 * What a failed SMTP send tells the mail relay: a message fit for logs and the mail's row (no address, no name), and
 * whether the recipient's own mail system refused the address for good.
 */

export interface SmtpFailure {
  /** The error, with the recipient's address, its mailbox name and any other address taken out. */
  message: string;
  /** The address was refused as not existing (a 5xx reply to RCPT with an RFC 3463 `5.1.x` addressing status). */
  recipientGone: boolean;
}

/**
 * Any address in a text: a local part may hold apostrophes (`jean.o'neil@…`, which an address pattern stopping at `'` cut
 * in two, leaving `jean.o'` in the log) and may be quoted (`"jean dupont"@…`).
 */
const ADDRESS = /(?:"[^"\r\n]*"|[^\s<>",;:]+)@[^\s<>"',;]+/g;

export const withoutAddresses = (text: string) => text.replace(ADDRESS, '[address]');

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The recipient's own words taken out of an SMTP error, whatever form the server quoted them in: the address as given and
 * with its domain in ASCII (nodemailer sends `xn--…` for an internationalised domain), the mailbox name alone (sendmail
 * style `jean.o'neil... User unknown`) and the customer's name; then any other address.
 */
export function withoutRecipient(text: string, recipient: { name: string; email: string | null }): string {
  const words: string[] = [];
  if (recipient.email) {
    const at = recipient.email.lastIndexOf('@');
    const local = recipient.email.slice(0, at);
    const domain = recipient.email.slice(at + 1);
    words.push(recipient.email, `${local}@${domainToASCII(domain) || domain}`);
    // A short mailbox name ("a@…") would blank ordinary words of the reply: the address pattern still takes the whole address.
    if (local.length >= 3) words.push(local);
  }
  if (recipient.name.trim().length >= 4) words.push(recipient.name.trim());
  let scrubbed = text;
  for (const word of words) scrubbed = scrubbed.replace(new RegExp(escaped(word), 'gi'), '[recipient]');
  return withoutAddresses(scrubbed);
}

/** The fields of nodemailer's error this reads (SMTPConnection's `_formatError`). */
interface NodemailerError {
  code?: unknown;
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/**
 * A 5xx answer to RCPT TO whose enhanced status is `5.1.x` (RFC 3463 "addressing status": no such mailbox 5.1.1, no such
 * domain 5.1.2, bad syntax 5.1.3, moved 5.1.6, domain accepts no mail 5.1.10) says the address will never take mail: trying
 * again for a day sent the same refused mail some ten times (which relays count against the sender's reputation) and held
 * the order's later mails back for that day. Other refusals are retried: a 5.7.x ("relay access denied", authentication
 * required) is Colis's own relay set up wrong, which ops can fix within the day; a 4xx or a full mailbox passes.
 */
export function recipientGone(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, command, responseCode, response } = error as NodemailerError;
  if (code !== 'EENVELOPE' || command !== 'RCPT TO') return false;
  if (typeof responseCode !== 'number' || responseCode < 500 || responseCode > 599) return false;
  return typeof response === 'string' && /^5\d\d[ -]5\.1\.\d{1,3}\b/.test(response);
}

export function smtpFailure(error: unknown, recipient: { name: string; email: string | null }): SmtpFailure {
  const text = error instanceof Error ? error.message : String(error);
  return { message: withoutRecipient(text, recipient), recipientGone: recipientGone(error) };
}
