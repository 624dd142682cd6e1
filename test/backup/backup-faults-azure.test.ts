import { faultSuite } from './faults.js';

faultSuite('azure');
