// The Event Grid protocol, defined once: the listener parses with these schemas, the simulator builds
// and self-checks with them, and fixtures are validated by them.
export * from './headers.js';
export * from './timestamp.js';
export * from './event-grid-event.js';
export * from './cloud-event.js';
export * from './key-vault.js';
export * from './delivery.js';
export * from './issues.js';
