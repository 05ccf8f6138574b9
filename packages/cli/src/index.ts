export { runCli } from './cli.js';
export { EXIT_CODES } from './exit-codes.js';
export type { CliIo } from './io.js';
