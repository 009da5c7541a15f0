import { z } from 'zod';
import { invisibleTextProblem, noteTextProblem } from './human-text';

/** The API's fields of free text written by people for people, read as domain/human-text.ts says they print. */

const refusing = (problemOf: (text: string) => string | undefined) => (text: string, ctx: z.RefinementCtx) => {
  const problem = problemOf(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
};

/** One line of text for people (a reason, a receipt's reference, a display name): trimmed, 1–`max` characters. */
export const printedLine = (max: number) => z.string().trim().min(1).max(max).superRefine(refusing(invisibleTextProblem));

/**
 * A printed line that names a resource in a URL path (`/inventory/inbound/:reference`): never "." or "..", which every
 * browser's URL parser reads as a path step, percent-encoded or not (`/inventory/inbound/..` is `/inventory/`), so the
 * ops pages could announce such a restock and never call it off.
 */
export const pathSegmentLine = (max: number) =>
  printedLine(max).refine((text) => text !== '.' && text !== '..', {
    message: 'expected more than dots: "." and ".." name no resource in a URL',
  });

/** A note for people, over lines if need be: trimmed, `min`–`max` characters. */
export const writtenNote = (max: number, min = 1) => z.string().trim().min(min).max(max).superRefine(refusing(noteTextProblem));
