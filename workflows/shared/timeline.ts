import type { TimelineEntry } from '../../domain/journey';

/** Workflow state and its query answers stay small; the database keeps every scan and stage visit. */
export const MAX_TIMELINE_ENTRIES = 300;

/** A workflow's own notes for its view: stages, scans, escalations, remarks, newest last, bounded. */
export class Timeline {
  constructor(private readonly entries: TimelineEntry[]) {}

  note(kind: TimelineEntry['kind'], label: string, detail?: string, at = new Date().toISOString()): void {
    this.entries.push({ at, kind, label, ...(detail ? { detail } : {}) });
    if (this.entries.length > MAX_TIMELINE_ENTRIES) this.entries.splice(0, this.entries.length - MAX_TIMELINE_ENTRIES);
  }

  add(entry: TimelineEntry): void {
    this.note(entry.kind, entry.label, entry.detail, entry.at);
    const last = this.entries.at(-1);
    if (last && entry.location) last.location = entry.location;
  }
}
