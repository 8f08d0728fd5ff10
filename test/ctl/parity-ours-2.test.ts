// Our supervisorctl and 4.2.5's against our supervisord, with the scenarios run against 4.2.5's.
import { defineParitySuite } from './parity-suite.js';

defineParitySuite('ours', 2);
