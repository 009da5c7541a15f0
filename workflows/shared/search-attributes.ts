import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';

/**
 * The workflow's search attributes, published only when a value changed and then in one upsert: each
 * upsert is a billable action and a history event, so a value set twice, or set to what it already
 * is, costs nothing. Values given at start (the starter sets them) count as published.
 */
export class SearchAttributes {
  private readonly published = new Map<string, string>();
  private readonly wanted = new Map<string, SearchAttributeUpdatePair>();

  constructor() {
    for (const pair of workflowInfo().typedSearchAttributes.getAll()) this.published.set(pair.key.name, fingerprint(pair.value));
  }

  set(...pairs: (SearchAttributePair | SearchAttributeUpdatePair)[]): this {
    for (const pair of pairs) this.wanted.set(pair.key.name, pair as SearchAttributeUpdatePair);
    return this;
  }

  /**
   * Upserts every attribute whose wanted value differs from the published one; nothing when none does. `allowed` is
   * asked only when one does (a patch guarding the upsert: a run with nothing to publish never meets its marker);
   * refused, nothing is published and the values stay unpublished, to be offered again.
   */
  publish(allowed: () => boolean = () => true): void {
    const changed = [...this.wanted.values()].filter((pair) => this.published.get(pair.key.name) !== fingerprint(pair.value));
    this.wanted.clear();
    if (changed.length === 0 || !allowed()) return;
    upsertSearchAttributes(changed);
    for (const pair of changed) this.published.set(pair.key.name, fingerprint(pair.value));
  }
}

function fingerprint(value: unknown): string {
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}
