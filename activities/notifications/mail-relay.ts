import { heartbeat, log } from '@temporalio/activity';
import nodemailer, { type Transporter } from 'nodemailer';
import { timeZoneOf } from '../../domain/calendar';
import { renderMail } from '../../domain/mail-templates';
import { type ParcelPlace, parcelPlace } from '../../domain/parcel-place';
import { MAIL_GIVE_UP_AFTER_MS, MailDataSchema, type MailMilestone, mailRetryDelayMs } from '../../domain/notifications';
import type { Db } from '../db';
import { untilRecorded, whileClaimRenewed } from './lease';

/**
 * Sends the customer mails the outbox holds, oldest first, through SMTP (nodemailer). Each mail is
 * claimed (a lease) before it is sent and marked sent right after, with the Message-ID derived from
 * its row: a retry finds it sent; a crash between the send and the mark repeats it at most once, with
 * the same Message-ID, which mail systems use to drop the duplicate. The customer's address is read
 * here, at send time, from the Customer row: it never crosses Temporal.
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

const BATCH = 50;
const CONCURRENCY = 4;
const LEASE_MS = 60_000;

export class MailRelay {
  private transport: Transporter | undefined;

  constructor(
    private readonly db: Db,
    private readonly settings: MailSettings,
    private readonly leaseMs = LEASE_MS,
  ) {}

  /** Sends what is due at `nowMs`; answers when the next mail falls due (null: nothing waits). */
  async drain(nowMs: number, budgetMs: number): Promise<number | null> {
    const startedAt = Date.now();
    for (;;) {
      const due = await this.db.customerMail.findMany({
        where: {
          status: 'pending',
          nextAttemptAt: { lte: new Date(nowMs) },
          OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date() } }],
        },
        orderBy: { createdAt: 'asc' },
        take: BATCH,
        select: { id: true, orderId: true, milestone: true, createdAt: true },
      });
      if (due.length === 0) break;
      // Orders side by side, each order's mails one after the other in the journey's order: the "shipped" and the
      // "delivered" one poll brings together (written in one transaction, the same instant) reach the inbox in that order.
      const byOrder = new Map<string, typeof due>();
      for (const mail of [...due].sort(journeyOrder)) byOrder.set(mail.orderId, [...(byOrder.get(mail.orderId) ?? []), mail]);
      const queues = [...byOrder.values()];
      for (let i = 0; i < queues.length; i += CONCURRENCY) {
        await Promise.all(
          queues.slice(i, i + CONCURRENCY).map(async (mails) => {
            for (const mail of mails) await this.sendOne(mail.id, nowMs);
          }),
        );
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

  private async sendOne(mailId: string, nowMs: number): Promise<void> {
    const claimed = await this.db.customerMail.updateMany({
      where: { id: mailId, status: 'pending', OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date() } }] },
      data: { leaseUntil: new Date(Date.now() + this.leaseMs) },
    });
    if (claimed.count === 0) return;
    const mail = await this.db.customerMail.findUniqueOrThrow({
      where: { id: mailId },
      include: {
        order: {
          select: {
            id: true,
            shopId: true,
            customer: { select: { name: true, email: true } },
            shippingAddress: { select: { countryCode: true, region: true } },
          },
        },
      },
    });
    try {
      const email = mail.order.customer.email;
      if (!email) throw new Error('the customer has no e-mail address');
      const transport = this.transporter();
      const queued = MailDataSchema.parse(mail.data);
      // The label link is Colis's own (the carrier's may be no address, or expire): the file kept at purchase.
      const data =
        queued.labelUrl && queued.returnId ? { ...queued, labelUrl: this.settings.returnLabelUrl(mail.orderId, queued.returnId) } : queued;
      const [shop, carrier, parcel] = await Promise.all([
        mail.order.shopId ? this.db.shop.findUnique({ where: { id: mail.order.shopId }, select: { displayName: true } }) : null,
        data.carrierCode ? this.db.carrier.findUnique({ where: { code: data.carrierCode }, select: { name: true } }) : null,
        data.trackingNumber ? this.placeOfParcel(mail.orderId, data.trackingNumber) : undefined,
      ]);
      const shopName = shop?.displayName ?? 'Colis';
      const rendered = renderMail({
        locale: mail.locale,
        milestone: mail.milestone as MailMilestone,
        shopName,
        customerName: mail.order.customer.name,
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
        this.db.customerMail.updateMany({
          where: { id: mailId, status: 'pending' },
          data: { leaseUntil: new Date(Date.now() + this.leaseMs) },
        });
      await whileClaimRenewed(renewClaim, this.leaseMs, () =>
        transport.sendMail({
          from: { name: shopName, address: this.settings.fromAddress },
          to: { name: mail.order.customer.name, address: email },
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          messageId: mail.messageId,
          headers: { 'Content-Language': mail.locale, 'X-Colis-Order': mail.orderId, 'X-Colis-Milestone': mail.milestone },
        }),
      );
    } catch (error) {
      const message = withoutAddresses(error instanceof Error ? error.message : String(error));
      const attempts = mail.attempts + 1;
      const giveUp = nowMs - mail.createdAt.getTime() >= MAIL_GIVE_UP_AFTER_MS;
      await this.db.customerMail.update({
        where: { id: mailId },
        data: {
          attempts,
          lastError: message.slice(0, 500),
          leaseUntil: null,
          ...(giveUp ? { status: 'failed' } : { nextAttemptAt: new Date(nowMs + mailRetryDelayMs(attempts)) }),
        },
      });
      log.warn('customer mail not sent', { mailId, milestone: mail.milestone, attempts, giveUp, error: message.slice(0, 200) });
      return;
    }
    // Sent: a failure to write that down is no failure of the send (which would be retried), it is asked again.
    const sentAt = new Date();
    await untilRecorded(
      () =>
        this.db.customerMail.update({
          where: { id: mailId },
          data: { status: 'sent', sentAt, attempts: { increment: 1 }, lastError: null, leaseUntil: null },
        }),
      this.leaseMs / 2,
      () => heartbeat(),
    );
    log.info('customer mail sent', { mailId, milestone: mail.milestone, locale: mail.locale });
  }

  /** Read when the mail leaves, so "the rest is on its way" is what is true then, not when the scan came in. */
  private async placeOfParcel(orderId: string, trackingNumber: string): Promise<ParcelPlace | undefined> {
    const shipments = await this.db.shipment.findMany({
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
    });
    return this.transport;
  }

  close(): void {
    this.transport?.close();
  }
}

/** SMTP errors quote the recipient ("550 <x@y> rejected"): never into logs or rows. */
export const withoutAddresses = (text: string) => text.replace(/[^\s<>"',;:]+@[^\s<>"',;]+/g, '[address]');
