import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT, stackBinary } from '../../../scripts/stack/components.js';
import { readShipped, replaceAt, valueAt, type Config, type Scratch } from './config.js';
import { freeAddress, httpOk, onFreePorts, startProcess, type StackProcess } from './process.js';

/** One notification as Alertmanager's webhook sends it. */
export interface Notification {
  /** The receiver it was sent to: the path it was posted on, `email` or `sms`. */
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly groupLabels: Record<string, string>;
  readonly commonLabels: Record<string, string>;
  readonly alerts: readonly { status: string; labels: Record<string, string> }[];
}

/** A webhook server standing in for the e-mail relay and the SMS bridge. */
export interface Webhook {
  readonly url: string;
  readonly received: Notification[];
  close(): Promise<void>;
}

export async function startWebhook(): Promise<Webhook> {
  const received: Notification[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const payload = JSON.parse(body) as Omit<Notification, 'receiver'>;
      received.push({ ...payload, receiver: (request.url ?? '').replace(/^\//, '') });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface RunningAlertmanager {
  readonly process: StackProcess;
  readonly address: string;
}

/** The timings a test can wait for; the shipped ones batch notifications over minutes. */
export interface GroupTimings {
  readonly group_wait: string;
  readonly group_interval: string;
}

/**
 * Alertmanager with collector/alertmanager/alertmanager.yml. Only the receivers' addresses change:
 * each receiver posts to the test's webhook, on a path named after it, in place of the e-mail relay
 * and the SMS bridge. Routing, grouping, inhibition and templates are the shipped ones; the group
 * timings are shortened as `timings` says.
 */
export function startAlertmanager(
  scratch: Scratch,
  webhook: Webhook,
  timings: GroupTimings,
): Promise<RunningAlertmanager> {
  return onFreePorts(() => startAlertmanagerOnce(scratch, webhook, timings));
}

async function startAlertmanagerOnce(
  scratch: Scratch,
  webhook: Webhook,
  timings: GroupTimings,
): Promise<RunningAlertmanager> {
  const binary = stackBinary('alertmanager');
  const config = readShipped('alertmanager/alertmanager.yml');
  replaceAt(config, ['templates'], [join(REPO_ROOT, 'collector', 'alertmanager', 'templates', '*.tmpl')]);
  // The SMTP settings address a relay the test does not have; the e-mail receiver becomes a webhook.
  const global = valueAt(config, ['global']) as Config;
  for (const key of Object.keys(global)) if (key.startsWith('smtp_')) delete global[key];
  for (const receiver of valueAt(config, ['receivers']) as Config[]) {
    const name = receiver.name as string;
    const sendResolved = receiverSendsResolved(receiver);
    const maxAlerts = (receiver.webhook_configs as Config[] | undefined)?.[0]?.max_alerts;
    delete receiver.email_configs;
    receiver.webhook_configs = [
      {
        url: `${webhook.url}/${name}`,
        send_resolved: sendResolved,
        ...(maxAlerts ? { max_alerts: maxAlerts } : {}),
      },
    ];
  }
  replaceAt(config, ['route', 'group_wait'], timings.group_wait);
  replaceAt(config, ['route', 'group_interval'], timings.group_interval);
  const file = scratch.write('alertmanager.yml', config);

  const address = await freeAddress();
  const process = await startProcess(
    'alertmanager',
    binary,
    [
      `--config.file=${file}`,
      `--storage.path=${scratch.path('alertmanager-data')}`,
      `--web.listen-address=${address}`,
      // No cluster: it would listen on :9094.
      '--cluster.listen-address=',
    ],
    () => httpOk(`http://${address}/-/ready`),
  );
  return { process, address };
}

function receiverSendsResolved(receiver: Config): boolean {
  // Alertmanager's defaults: an e-mail config sends no resolved notifications, a webhook does.
  const email = ((receiver.email_configs as Config[]) ?? []).every((c) => c.send_resolved === true);
  const webhook = ((receiver.webhook_configs as Config[]) ?? []).every((c) => c.send_resolved !== false);
  return email && webhook;
}
