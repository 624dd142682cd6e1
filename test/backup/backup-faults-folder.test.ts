import { faultSuite } from './faults.js';

faultSuite('folder');
