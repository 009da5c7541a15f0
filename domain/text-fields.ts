import { z } from 'zod';
import { invisibleTextProblem, noteTextProblem } from './human-text';

/** The API's fields of free text written by people for people, read as domain/human-text.ts says they print. */

const refusing = (problemOf: (text: string) => string | undefined) => (text: string, ctx: z.RefinementCtx) => {
  const problem = problemOf(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
};

/** One line of text for people (a reason, a receipt's reference, a display name): trimmed, 1–`max` characters. */
export const printedLine = (max: number) => z.string().trim().min(1).max(max).superRefine(refusing(invisibleTextProblem));

/** A note for people, over lines if need be: trimmed, `min`–`max` characters. */
export const writtenNote = (max: number, min = 1) => z.string().trim().min(min).max(max).superRefine(refusing(noteTextProblem));
