/** What a worker does with one job: POST the event to the project's endpoint. */
import { DELIVERY_TIMEOUT_MS } from './receivers.js';

/** A job's data, on pg-boss and pgmq alike. */
export interface Delivery {
  readonly project: string;
  readonly endpoint: string;
  readonly event: string;
}

// One class per way a delivery fails: the class name becomes the span's and metric's error.type.
/** The endpoint answered 4xx: it will not take this event, however often it is retried. */
export class EndpointRejected extends Error {}
/** The endpoint answered 5xx: worth another attempt. */
export class EndpointFailed extends Error {}
/** The endpoint did not answer in time. */
export class EndpointTimeout extends Error {}

export async function deliver(receiversUrl: string, delivery: Delivery): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${receiversUrl}/hooks/${delivery.project}/${delivery.endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: delivery.event }),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      throw new EndpointTimeout(`no answer within ${DELIVERY_TIMEOUT_MS} ms`);
    }
    throw error;
  }
  await response.arrayBuffer();
  if (response.status >= 500) throw new EndpointFailed(`endpoint answered ${response.status}`);
  if (response.status >= 400) throw new EndpointRejected(`endpoint answered ${response.status}`);
}
