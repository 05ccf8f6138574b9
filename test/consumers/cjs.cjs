// A plain CommonJS consumer of the built packages, as an application would require them.
const core = require('@queuetel/core');
const pgBoss = require('@queuetel/pg-boss');
const pgmq = require('@queuetel/pgmq');

new core.QueuetelMetricProducer().collect().then((result) => {
  console.log(
    JSON.stringify({
      format: 'cjs',
      core: Object.keys(core).sort(),
      pgBoss: Object.keys(pgBoss).sort(),
      pgmq: Object.keys(pgmq).sort(),
      prefix: core.QUEUETEL_PREFIX,
      collected: result.resourceMetrics.scopeMetrics.length,
    }),
  );
});
