import { inject } from 'vitest';

/** A mail as MailDev's REST API returns it (the fields the tests read). */
export interface CaughtMail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string; name: string }[];
  from: { address: string; name: string }[];
  headers: Record<string, string>;
}

/** Every mail the suite's MailDev has caught for this recipient, oldest first. */
export async function mailsTo(address: string): Promise<CaughtMail[]> {
  const response = await fetch(`${inject('mailApiUrl')}/email`);
  if (!response.ok) throw new Error(`MailDev answered HTTP ${response.status}`);
  const all = (await response.json()) as (CaughtMail & { time: string })[];
  return all
    .filter((mail) => mail.to.some((to) => to.address.toLowerCase() === address.toLowerCase()))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** A unique address per test, so tests sharing the suite's MailDev never read each other's mail. */
let counter = 0;
export const uniqueAddress = (label: string) =>
  `${label}.${process.pid}.${Date.now().toString(36)}.${(counter++).toString(36)}@example.test`;

export const milestoneOf = (mail: CaughtMail) => mail.headers['x-colis-milestone'];
