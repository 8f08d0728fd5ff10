// Our supervisorctl and 4.2.5's against the real supervisord 4.2.5 (scenarios in parity-suite.ts).
import { defineParitySuite } from './parity-suite.js';

defineParitySuite('real', 2);
