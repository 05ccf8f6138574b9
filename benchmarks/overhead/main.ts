/**
 * npm run bench:overhead: the per-job overhead suite on its own; writes
 * benchmarks/results/overhead.json. `npm run bench` runs it together with the throughput suite.
 */
import { runOverheadSuite } from './run.js';

await runOverheadSuite({ quick: process.argv.includes('--quick') });
