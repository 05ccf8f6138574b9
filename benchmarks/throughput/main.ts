/**
 * npm run bench:throughput: the throughput suite on real PostgreSQL (DATABASE_URL, or a throwaway
 * embedded server); writes benchmarks/results/throughput.json.
 */
import { runThroughputSuite } from './run.js';

await runThroughputSuite({ quick: process.argv.includes('--quick') });
