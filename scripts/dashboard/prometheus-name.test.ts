import { describe, expect, it } from 'vitest';
import { prometheusLabel, prometheusName } from './prometheus-name.js';

describe('prometheusName: the names the Collector Prometheus exporter writes', () => {
  it.each([
    // name, unit, kind, expected name, expected type
    ['queuetel.job.duration', 's', 'histogram', 'queuetel_job_duration_seconds', 'histogram'],
    ['queuetel.job.wait_time', 's', 'histogram', 'queuetel_job_wait_time_seconds', 'histogram'],
    ['queuetel.job.outcomes', '{attempt}', 'counter', 'queuetel_job_outcomes_total', 'counter'],
    ['queuetel.job.in_flight', '{job}', 'updown', 'queuetel_job_in_flight', 'gauge'],
    ['queuetel.queue.oldest_age', 's', 'gauge', 'queuetel_queue_oldest_age_seconds', 'gauge'],
    [
      'messaging.client.sent.messages',
      '{message}',
      'counter',
      'messaging_client_sent_messages_total',
      'counter',
    ],
    // A unit already in the name is not repeated, nor is a `total` already there; it moves last.
    ['http.server.duration_seconds', 's', 'histogram', 'http_server_duration_seconds', 'histogram'],
    ['requests.total.count', '1', 'counter', 'requests_count_total', 'counter'],
    // Unit words, rates, ratios and odd characters.
    ['process.memory', 'By', 'gauge', 'process_memory_bytes', 'gauge'],
    ['network.io', 'By/s', 'counter', 'network_io_bytes_per_second_total', 'counter'],
    ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio', 'gauge'],
    ['queue..depth-now', 'widgets', 'gauge', 'queue_depth_now_widgets', 'gauge'],
    ['9lives', '', 'gauge', '_9lives', 'gauge'],
  ] as const)('%s (%s, %s) is %s', (name, unit, kind, expected, type) => {
    const metric = prometheusName({ name, unit, kind });
    expect(metric.name).toBe(expected);
    expect(metric.type).toBe(type);
  });

  it('lists the series of a histogram', () => {
    expect(prometheusName({ name: 'queuetel.job.duration', unit: 's', kind: 'histogram' }).series).toEqual([
      'queuetel_job_duration_seconds_bucket',
      'queuetel_job_duration_seconds_sum',
      'queuetel_job_duration_seconds_count',
    ]);
  });

  it('refuses a name with nothing left', () => {
    expect(() => prometheusName({ name: '...', unit: '', kind: 'gauge' })).toThrow(/no character/);
  });
});

describe('prometheusLabel', () => {
  it.each([
    ['messaging.destination.name', 'messaging_destination_name'],
    ['error.type', 'error_type'],
    ['http_status_code', 'http_status_code'],
    ['2xx.count', 'key_2xx_count'],
  ])('%s is %s', (attribute, label) => {
    expect(prometheusLabel(attribute)).toBe(label);
  });
});
