// The embedded netns provider's public surface.
export { NetnsProvider, createNetnsProvider, type NetnsOptions } from './provider.ts';
export { netnsPrerequisites } from './tools.ts';
export { sctpPrerequisite } from './sctp.ts';
export { cleanupAbandonedRuns, type CleanupReport } from './cleanup.ts';
