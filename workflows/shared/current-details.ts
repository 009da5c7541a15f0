import { setCurrentDetails } from '@temporalio/workflow';
import { markdownText } from '../../domain/human-text';

/**
 * What a workflow's line in the Web UI says now, in paragraphs. The Web UI renders it as Markdown, and its paragraphs
 * hold text from outside (the customer's city in "no carrier quoted … to <city>", a carrier's words): escaped, a city
 * typed "[Lyon](https://…)" reads as typed instead of showing ops a link. Current details are answered by a query and
 * never recorded in a history: what they say may change without a patch.
 */
export function showCurrentDetails(paragraphs: readonly (string | undefined)[]): void {
  setCurrentDetails(
    paragraphs
      .filter((paragraph): paragraph is string => paragraph !== undefined && paragraph !== '')
      .map(markdownText)
      .join('\n\n'),
  );
}
