#!/usr/bin/env node
// Runs in this very process (no wrapper fork), so signals and getPID() reach the daemon itself.
// Nothing else is imported here: the descriptor check must come before supervisord's modules load.
import { startSupervisord } from '../dist/src/cli/supervisord-entry.js';

await startSupervisord();
