export { PgmqClient } from './client.js';
export { MaxReadsExceededError, PgmqTableLayoutError } from './errors.js';
export type {
  ConsumeErrorContext,
  ConsumeOptions,
  MessageHandler,
  MessageId,
  PgmqHeaders,
  PgmqMessage,
  PgmqOptions,
  Queryable,
  QueueInfo,
  QueueStats,
  SendBatchOptions,
  SendOptions,
} from './types.js';
