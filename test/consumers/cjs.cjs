// A plain CommonJS consumer of the built packages, as an application would require them.
const core = require('@queuetel/core');
const pgBoss = require('@queuetel/pg-boss');

new core.QueuetelMetricProducer().collect().then((result) => {
  console.log(
    JSON.stringify({
      format: 'cjs',
      core: Object.keys(core).sort(),
      pgBoss: Object.keys(pgBoss).sort(),
      prefix: core.QUEUETEL_PREFIX,
      collected: result.resourceMetrics.scopeMetrics.length,
    }),
  );
});
