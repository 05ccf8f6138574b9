/**
 * The `messaging.operation.name` of each pgmq call queuetel records; spans are named
 * `{operation} {queue}`. A read, a read with poll and a pop are all receives; `archive` and
 * `delete` settle a message for good, `set_vt` puts it back for later, and `move` moves it to
 * another queue (how the consumer dead-letters).
 */
export const OPERATION = {
  send: 'send',
  receive: 'receive',
  archive: 'archive',
  delete: 'delete',
  setVt: 'set_vt',
  move: 'move',
} as const;
