// A collector in a process of its own, so that a test can kill it the hard way (SIGKILL): no stop(),
// no unlock, the way a crashed or OOM-killed worker ends. Run with `node --import tsx`; it reads its
// settings from the environment and prints one JSON line when it becomes the leader.
import { startQueueHealth } from '@queuetel/health';

const health = startQueueHealth({
  connectionString: process.env.QUEUETEL_TEST_DATABASE_URL!,
  pgBossSchemas: [process.env.QUEUETEL_TEST_SCHEMA!],
  intervalSeconds: Number(process.env.QUEUETEL_TEST_INTERVAL_SECONDS),
});

const poll = setInterval(() => {
  if (health.state().leader) {
    clearInterval(poll);
    process.stdout.write(`${JSON.stringify({ leader: true, pid: process.pid })}\n`);
  }
}, 20);
// Stay alive until killed: the collector's own timers do not hold the process open.
setInterval(() => {}, 60_000);
