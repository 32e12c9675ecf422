import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import type { FilterOptions } from './subscription-options.js';

/** Whether a subscription's filters let an event through (Azure's basic filters). */
export function matchesFilters(event: EventGridEvent, filters: FilterOptions): boolean {
  if (filters.includedEventTypes !== undefined) {
    // Event types are compared case-insensitively by Event Grid.
    const type = event.eventType.toLowerCase();
    if (!filters.includedEventTypes.some((included) => included.toLowerCase() === type)) return false;
  }
  const fold = (value: string): string => (filters.subjectCaseSensitive ? value : value.toLowerCase());
  const subject = fold(event.subject);
  if (filters.subjectBeginsWith !== undefined && !subject.startsWith(fold(filters.subjectBeginsWith))) {
    return false;
  }
  if (filters.subjectEndsWith !== undefined && !subject.endsWith(fold(filters.subjectEndsWith))) return false;
  return true;
}
