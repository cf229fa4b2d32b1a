/**
 * What a construct says about itself in a service's deployment runbook: its settings in words,
 * one line each. The construct registers them, the runbook (a feature above) reads them at
 * synthesis, so later changes (checks added after the hook) count. Kept here because the
 * constructs that describe themselves and the runbook are features apart.
 */
const notesByConstruct = new WeakMap<object, () => string[]>();

/** Registers what the runbook says of `construct`; `produce` runs at synthesis. */
export function setRunbookNotes(construct: object, produce: () => string[]): void {
  notesByConstruct.set(construct, produce);
}

/** What the runbook says of `construct`; empty when it registered nothing. */
export function runbookNotesOf(construct: object): string[] {
  return notesByConstruct.get(construct)?.() ?? [];
}
