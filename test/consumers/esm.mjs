// A plain ESM consumer of the built packages, as an application would import them.
import * as core from '@queuetel/core';
import * as pgBoss from '@queuetel/pg-boss';
import * as pgmq from '@queuetel/pgmq';

const producer = new core.QueuetelMetricProducer();
const result = await producer.collect();
console.log(
  JSON.stringify({
    format: 'esm',
    core: Object.keys(core).sort(),
    pgBoss: Object.keys(pgBoss).sort(),
    pgmq: Object.keys(pgmq).sort(),
    prefix: core.QUEUETEL_PREFIX,
    collected: result.resourceMetrics.scopeMetrics.length,
  }),
);
