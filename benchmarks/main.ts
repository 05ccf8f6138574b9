/**
 * npm run bench [-- --quick]
 *
 * The real-worker suite, then the tight-loop suites, with a progress display, their results as JSON under benchmarks/results/, then
 * docs/benchmarks.md rendered from them. --quick is a smoke run of the same machinery that writes
 * only files git ignores.
 */
import { runOverheadSuite } from './overhead/run.js';
import { renderAndWrite } from './report/main.js';
import { runThroughputSuite } from './throughput/run.js';
import { runWorkerBenchmark } from './worker/run.js';

const quick = process.argv.includes('--quick');
await runWorkerBenchmark({ quick });
await runOverheadSuite({ quick });
await runThroughputSuite({ quick });
console.log(`wrote ${await renderAndWrite(quick)}`);
