import { heartbeat, log } from '@temporalio/activity';
import nodemailer, { type Transporter } from 'nodemailer';
import { timeZoneOf } from '../../domain/calendar';
import { renderMail } from '../../domain/mail-templates';
import { type ParcelPlace, parcelPlace } from '../../domain/parcel-place';
import {
  MAIL_GIVE_UP_AFTER_MS,
  MAIL_SEND_WITHIN_MS,
  MailDataSchema,
  type MailMilestone,
  mailRetryDelayMs,
} from '../../domain/notifications';
import type { Prisma } from '../../prisma/generated/client';
import { type Db, TRANSACTION_BUDGET } from '../db';
import { untilRecorded, whileClaimRenewed } from './lease';
import { recipientOf } from './outbox';
import { smtpFailure } from './smtp-failure';

/**
 * Sends the customer mails the outbox holds, oldest first, through SMTP (nodemailer). Each mail is
 * claimed (a lease) before it is sent and marked sent right after, with the Message-ID derived from
 * its row: a retry finds it sent; a crash between the send and the mark repeats it at most once, with
 * the same Message-ID, which mail systems use to drop the duplicate. The customer's address is read
 * here, at send time, from the order's row (the one it was placed with): it never crosses Temporal.
 */

export interface MailSettings {
  /** smtp://user:pass@host:port or smtps://…; undefined: mails wait (and are logged as waiting). */
  smtpUrl: string | undefined;
  /** The envelope sender; the From shows the shop's name in front of it. */
  fromAddress: string;
  /** Absolute base of the links in mails (the customer tracking page). */
  publicUrl: string;
  trackingUrl: (orderId: string) => string;
  /** The return label the customer prints, served by Colis under the order's tracking token. */
  returnLabelUrl: (orderId: string, returnId: string) => string;
}

/** The order a parcel's journey reaches the milestones in: mails one transaction wrote are sent in it. */
const JOURNEY_ORDER: readonly MailMilestone[] = [
  'order_confirmed',
  'promise_changed',
  'shipped',
  'action_needed',
  'out_for_delivery',
  'delivered',
  'reshipped',
  'replacement_refunded',
  'order_cancelled',
  'return_started',
];

/** Oldest first; mails written in the same instant in the order the journey reaches their milestones. */
export function journeyOrder(a: { createdAt: Date; milestone: string }, b: { createdAt: Date; milestone: string }): number {
  const rank = (milestone: string) => JOURNEY_ORDER.indexOf(milestone as MailMilestone);
  return a.createdAt.getTime() - b.createdAt.getTime() || rank(a.milestone) - rank(b.milestone);
}

/** A mail the drain picked: enough to put an order's mails in the journey's order. */
interface QueuedMail {
  id: string;
  orderId: string;
  milestone: string;
  createdAt: Date;
}

/** What became of one send: sent, given up on (a day of retries), due again `at`, or claimed by another drain meanwhile. */
type SendOutcome = { kind: 'sent' } | { kind: 'given_up' } | { kind: 'retry'; at: Date } | { kind: 'not_claimed' };

const BATCH = 50;
const CONCURRENCY = 4;
const LEASE_MS = 60_000;
const IN_FLIGHT_POLL_MS = 100;
/** Time the transaction holding a send's row gets beyond the send itself: its reads before, its record after. */
const SEND_TX_MARGIN_MS = 10_000;
/** A send cut off at its deadline holds its row this much longer: bytes already handed to the network land first. */
const CUT_OFF_SETTLE_MS = 1_000;

type Tx = Prisma.TransactionClient;

/** Sent: attempted once more, no error, no claim. */
const markSent = (client: Tx, mailId: string) =>
  client.customerMail.update({
    where: { id: mailId },
    data: { status: 'sent', sentAt: new Date(), attempts: { increment: 1 }, lastError: null, leaseUntil: null },
  });

export class MailRelay {
  private transport: Transporter | undefined;

  constructor(
    private readonly db: Db,
    private readonly settings: MailSettings,
    private readonly leaseMs = LEASE_MS,
    private readonly sendWithinMs = MAIL_SEND_WITHIN_MS,
  ) {}

  /** Sends what is due at `nowMs`; answers when the next mail falls due (null: nothing waits). */
  async drain(nowMs: number, budgetMs: number): Promise<number | null> {
    const startedAt = Date.now();
    // Mails held back behind an earlier one of their order still in flight elsewhere: not picked again by this drain.
    const held = new Set<string>();
    for (;;) {
      const due = await this.db.customerMail.findMany({
        where: {
          status: 'pending',
          nextAttemptAt: { lte: new Date(nowMs) },
          OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date() } }],
          ...(held.size > 0 ? { id: { notIn: [...held] } } : {}),
        },
        orderBy: { createdAt: 'asc' },
        take: BATCH,
        select: { id: true, orderId: true, milestone: true, createdAt: true },
      });
      if (due.length === 0) break;
      // Orders side by side, each order's mails one after the other in the journey's order: the "shipped" and the
      // "delivered" one poll brings together (written in one transaction, the same instant) reach the inbox in that order.
      const queues = await this.orderQueues(due);
      for (let i = 0; i < queues.length; i += CONCURRENCY) {
        const heldBack = await Promise.all(queues.slice(i, i + CONCURRENCY).map((mails) => this.sendInOrder(mails, nowMs)));
        for (const id of heldBack.flat()) held.add(id);
        heartbeat();
      }
      if (Date.now() - startedAt > budgetMs || due.length < BATCH) break;
    }
    const next = await this.db.customerMail.findFirst({
      where: { status: 'pending' },
      orderBy: { nextAttemptAt: 'asc' },
      select: { nextAttemptAt: true },
    });
    return next ? next.nextAttemptAt.getTime() : null;
  }

  /**
   * Each order's mails to send now, in the journey's order: its due mails, after the order's earlier mails still pending
   * (a retry not due yet, after the mail relay refused or was down). Picked by due time alone, the "delivered" mail written
   * while "confirmed" and "shipped" waited for their retry reached the customer first, and those two after it.
   */
  private async orderQueues(due: readonly QueuedMail[]): Promise<QueuedMail[][]> {
    const dueIds = new Set(due.map((mail) => mail.id));
    const waiting = await this.db.customerMail.findMany({
      where: { status: 'pending', orderId: { in: [...new Set(due.map((mail) => mail.orderId))] }, id: { notIn: [...dueIds] } },
      select: { id: true, orderId: true, milestone: true, createdAt: true },
    });
    const byOrder = new Map<string, QueuedMail[]>();
    for (const mail of [...due, ...waiting].sort(journeyOrder)) byOrder.set(mail.orderId, [...(byOrder.get(mail.orderId) ?? []), mail]);
    // A pending mail after the order's last due one waits for its own turn.
    return [...byOrder.values()].map((mails) => mails.slice(0, mails.findLastIndex((mail) => dueIds.has(mail.id)) + 1));
  }

  /**
   * One order's mails, one after the other: one not sent holds back the rest, due again with it. Answers the ids held back
   * because an earlier mail is still in flight in another drain (they stay due, for the relay's next look).
   */
  private async sendInOrder(mails: readonly QueuedMail[], nowMs: number): Promise<string[]> {
    for (const [i, mail] of mails.entries()) {
      let outcome = await this.sendOne(mail.id, nowMs);
      if (outcome.kind === 'not_claimed') outcome = await this.sentElsewhere(mail.id, nowMs);
      if (outcome.kind === 'sent' || outcome.kind === 'given_up') continue;
      const rest = mails.slice(i + 1).map((later) => later.id);
      if (outcome.kind === 'not_claimed') return rest;
      if (rest.length > 0) {
        await this.db.customerMail.updateMany({
          where: { id: { in: rest }, status: 'pending', OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date() } }] },
          data: { nextAttemptAt: outcome.at },
        });
      }
      return [];
    }
    return [];
  }

  /**
   * A mail another drain claimed meanwhile (an overlapping retry of this activity): what became of it there, waited for
   * while it is in flight, at most one claim's length; `not_claimed` when it is still in flight then.
   */
  private async sentElsewhere(mailId: string, nowMs: number): Promise<SendOutcome> {
    const deadline = Date.now() + this.leaseMs;
    for (;;) {
      const row = await this.db.customerMail.findUnique({
        where: { id: mailId },
        select: { status: true, leaseUntil: true, nextAttemptAt: true },
      });
      if (!row || row.status === 'sent') return { kind: 'sent' };
      if (row.status !== 'pending') return { kind: 'given_up' };
      if (!row.leaseUntil || row.leaseUntil.getTime() < Date.now()) {
        // Released: failed there (due again later), or its claim lapsed (a crash), when it is this drain's to send.
        return row.nextAttemptAt.getTime() > nowMs ? { kind: 'retry', at: row.nextAttemptAt } : this.sendOne(mailId, nowMs);
      }
      if (Date.now() >= deadline) return { kind: 'not_claimed' };
      await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_POLL_MS));
      heartbeat();
    }
  }

  /**
   * Claims the mail (a lease, committed at once: a drain that dies frees it a lease later), then sends it holding its row
   * in a transaction until the send is written down. An order's erasure gives up the order's pending mails under that row
   * lock: it waits for a send in flight, which is cut off within `sendWithinMs` (a stuck relay never holds an erasure
   * longer), and a mail whose order was erased in the meantime is found given up, never sent with the name and address
   * read before. A send that left is marked sent in the same transaction, before any erasure can commit.
   */
  private async sendOne(mailId: string, nowMs: number): Promise<SendOutcome> {
    const claimed = await this.db.customerMail.updateMany({
      where: { id: mailId, status: 'pending', OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date() } }] },
      data: { leaseUntil: new Date(Date.now() + this.leaseMs) },
    });
    if (claimed.count === 0) return { kind: 'not_claimed' };
    let left = false;
    try {
      return await this.db.$transaction(
        (tx) =>
          this.sendHolding(tx, mailId, nowMs, () => {
            left = true;
          }),
        { maxWait: TRANSACTION_BUDGET.maxWait, timeout: this.sendWithinMs + SEND_TX_MARGIN_MS },
      );
    } catch (error) {
      if (!left) throw error;
      // It left while its row was held, so before any erasure; writing that down failed with the transaction (its
      // connection lost): asked again outside it, as a send is never taken back.
      await untilRecorded(
        () => markSent(this.db, mailId),
        this.leaseMs / 2,
        () => heartbeat(),
      );
      return { kind: 'sent' };
    }
  }

  /** The send, its row held by `tx`, cut off `sendWithinMs` after the transaction began (well before it times out). */
  private async sendHolding(tx: Tx, mailId: string, nowMs: number, onLeft: () => void): Promise<SendOutcome> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`not sent within ${this.sendWithinMs} ms`)), this.sendWithinMs);
    try {
      // PostgreSQL ends the transaction itself, and frees the row, if this process vanishes without closing its connection.
      await tx.$queryRaw`SELECT set_config('idle_in_transaction_session_timeout', ${String(this.sendWithinMs + SEND_TX_MARGIN_MS)}, true)`;
      // SKIP LOCKED: a row held by an erasure under way is not waited for; what became of it is read once it commits.
      const held = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "CustomerMail" WHERE "id" = ${mailId} AND "status" = 'pending' FOR UPDATE SKIP LOCKED`;
      if (held.length === 0) return { kind: 'not_claimed' };
      return await this.sendHeld(tx, mailId, nowMs, deadline.signal, onLeft);
    } finally {
      clearTimeout(timer);
    }
  }

  private async sendHeld(tx: Tx, mailId: string, nowMs: number, deadline: AbortSignal, onLeft: () => void): Promise<SendOutcome> {
    const mail = await tx.customerMail.findUniqueOrThrow({
      where: { id: mailId },
      include: {
        order: {
          select: {
            id: true,
            shopId: true,
            customerName: true,
            customerEmail: true,
            customer: { select: { name: true, email: true } },
            shippingAddress: { select: { countryCode: true, region: true, postalCode: true } },
          },
        },
      },
    });
    const recipient = recipientOf(mail.order);
    try {
      const email = recipient.email;
      if (!email) throw new Error('the customer has no e-mail address');
      const transport = this.transporter();
      const queued = MailDataSchema.parse(mail.data);
      // The label link is Colis's own (the carrier's may be no address, or expire): the file kept at purchase.
      const data =
        queued.labelUrl && queued.returnId ? { ...queued, labelUrl: this.settings.returnLabelUrl(mail.orderId, queued.returnId) } : queued;
      const [shop, carrier, parcel] = await Promise.all([
        mail.order.shopId ? tx.shop.findUnique({ where: { id: mail.order.shopId }, select: { displayName: true } }) : null,
        data.carrierCode ? tx.carrier.findUnique({ where: { code: data.carrierCode }, select: { name: true } }) : null,
        data.trackingNumber ? this.placeOfParcel(tx, mail.orderId, data.trackingNumber) : undefined,
      ]);
      const shopName = shop?.displayName ?? 'Colis';
      const rendered = renderMail({
        locale: mail.locale,
        milestone: mail.milestone as MailMilestone,
        shopName,
        customerName: recipient.name,
        orderId: mail.orderId,
        timeZone: timeZoneOf(mail.order.shippingAddress),
        trackingUrl: this.settings.trackingUrl(mail.orderId),
        // A delivered order can be returned from its tracking page.
        ...(mail.milestone === 'delivered' ? { returnUrl: `${this.settings.trackingUrl(mail.orderId)}#returns` } : {}),
        ...(carrier ? { carrierName: carrier.name } : {}),
        ...(parcel ? { parcel } : {}),
        data,
      });
      const renewClaim = () =>
        tx.customerMail.updateMany({ where: { id: mailId, status: 'pending' }, data: { leaseUntil: new Date(Date.now() + this.leaseMs) } });
      await whileClaimRenewed(
        renewClaim,
        this.leaseMs,
        () =>
          transport.sendMail({
            from: withDisplayName(shopName, this.settings.fromAddress),
            to: withDisplayName(recipient.name, email),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            messageId: mail.messageId,
            headers: { 'Content-Language': mail.locale, 'X-Colis-Order': mail.orderId, 'X-Colis-Milestone': mail.milestone },
            signal: deadline,
          }),
        () => heartbeat(),
      );
    } catch (error) {
      // Cut off at the deadline: the row is held a moment longer, so bytes already handed to the network land before it goes.
      if (deadline.aborted) await new Promise((resolve) => setTimeout(resolve, CUT_OFF_SETTLE_MS));
      const { message, recipientGone } = smtpFailure(error, recipient);
      const attempts = mail.attempts + 1;
      // An address its own mail system says does not exist is not tried again: it would refuse every retry of the day.
      const giveUp = recipientGone || nowMs - mail.createdAt.getTime() >= MAIL_GIVE_UP_AFTER_MS;
      const retryAt = new Date(nowMs + mailRetryDelayMs(attempts));
      await tx.customerMail.update({
        where: { id: mailId },
        data: {
          attempts,
          lastError: message.slice(0, 500),
          leaseUntil: null,
          ...(giveUp ? { status: 'failed' } : { nextAttemptAt: retryAt }),
        },
      });
      log.warn('customer mail not sent', {
        mailId,
        milestone: mail.milestone,
        attempts,
        giveUp,
        recipientGone,
        error: message.slice(0, 200),
      });
      return giveUp ? { kind: 'given_up' } : { kind: 'retry', at: retryAt };
    }
    onLeft();
    await markSent(tx, mailId);
    log.info('customer mail sent', { mailId, milestone: mail.milestone, locale: mail.locale });
    return { kind: 'sent' };
  }

  /** Read when the mail leaves, so "the rest is on its way" is what is true then, not when the scan came in. */
  private async placeOfParcel(tx: Tx, orderId: string, trackingNumber: string): Promise<ParcelPlace | undefined> {
    const shipments = await tx.shipment.findMany({
      where: { orderId },
      orderBy: [{ seq: 'asc' }, { id: 'asc' }],
      select: { id: true, trackingNumber: true, status: true, replacesShipmentId: true },
    });
    return parcelPlace(
      shipments.map((s) => ({
        shipmentId: s.id,
        trackingNumber: s.trackingNumber,
        status: s.status,
        replacesShipmentId: s.replacesShipmentId,
      })),
      trackingNumber,
    );
  }

  private transporter(): Transporter {
    if (!this.settings.smtpUrl) throw new Error('no SMTP server is configured (COLIS_SMTP_URL)');
    this.transport ??= nodemailer.createTransport({
      url: this.settings.smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // A send cut off at its deadline drops the connection at once: ended gracefully, what was still buffered (the end of
      // the data, which makes the relay take the mail) would go out after the row is let go.
      socketCloseTimeout: 0,
    });
    return this.transport;
  }

  close(): void {
    this.transport?.close();
  }
}

/**
 * An address with its display name for a From or To header. A name holding an RFC 2047 encoded word ("=?utf-8?q?…?=") is
 * shown by mail programs as that word decoded, even inside the quotes nodemailer puts around it: a customer (or a shop)
 * so named showed as "Service client <support@bank.example>", or with line breaks. Such a name is left out of the header,
 * the address alone; the mail's greeting still shows it, as text.
 */
export function withDisplayName(name: string, address: string): { name: string; address: string } | string {
  return name.includes('=?') ? address : { name, address };
}
