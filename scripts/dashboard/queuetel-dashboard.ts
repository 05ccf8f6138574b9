/**
 * The Grafana dashboard of the stack (collector/grafana/dashboards/queuetel.json), written as code
 * with Grafana's own builders (@grafana/grafana-foundation-sdk); its panels are in rows.ts.
 * `npm run dashboard` writes the JSON.
 */
import {
  AdHocVariableBuilder,
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  TimePickerBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { INSTRUMENTS } from '@queuetel/core';
import { DATASOURCE } from './panels.js';
import { eitherLane, L, name } from './promql.js';
import { ROWS } from './rows.js';

const I = INSTRUMENTS;

/** A variable listing the values of `label` on `selector`, all of them chosen at first. */
function listOf(variable: string, label: string, caption: string, selector: string): QueryVariableBuilder {
  const query = `label_values(${selector}, ${label})`;
  return new QueryVariableBuilder(variable)
    .label(caption)
    .datasource(DATASOURCE)
    .query({ query, refId: `${variable}-values` })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] })
    .sort(VariableSort.AlphabeticalAsc);
}

/** The dashboard, as Grafana reads it from the provisioned folder. */
export function queuetelDashboard(): Dashboard {
  const builder = new DashboardBuilder('queuetel: job queues')
    .uid('queuetel-queues')
    .description(
      'Queue state, throughput, errors, latency, retries, workers and label caps for pg-boss and pgmq queues instrumented with queuetel.',
    )
    .tags(['queuetel', 'queues', 'opentelemetry'])
    .timezone('browser')
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    // Workers export every 5 s; a 2 s refresh keeps job-to-screen inside the 10 s budget.
    .refresh('2s')
    .time({ from: 'now-30m', to: 'now' })
    .timepicker(new TimePickerBuilder().refreshIntervals(['2s', '5s', '10s', '30s', '1m', '5m']))
    // Grafana's own annotations and alerts, as Grafana writes them into a dashboard it saves.
    .annotation(
      new AnnotationQueryBuilder()
        .name('Annotations & Alerts')
        .builtIn(1)
        .type('dashboard')
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)'),
    )
    .link(
      new DashboardLinkBuilder('Traces in Jaeger')
        .type(DashboardLinkType.Link)
        .url('http://localhost:16686/search?service=${service}')
        .targetBlank(true)
        .icon('external link'),
    )
    .withVariable(
      new DatasourceVariableBuilder('datasource')
        .label('Data source')
        .type('prometheus')
        .current({ text: 'Prometheus', value: 'prometheus' }),
    )
    .withVariable(listOf('service', 'job', 'Service', name(I.jobAttempts)))
    .withVariable(listOf('system', L.system, 'System', eitherLane()))
    .withVariable(
      listOf('schema', L.schema, 'Schema', `${name(I.queueJobs)}{${L.system}=~"$system"}`).description(
        'Where a queue lives: the pg-boss schema, or pgmq. Filters the queue-state panels.',
      ),
    )
    .withVariable(listOf('queue', L.queue, 'Queue', eitherLane(`, ${L.system}=~"$system"`)))
    .withVariable(
      new TextBoxVariableBuilder('group_by')
        .label('Break down by')
        .defaultValue('project')
        .current({ text: 'project', value: 'project' })
        .description(
          "A domain label declared in the instrumentation's labels option, such as project or http_status_code.",
        ),
    )
    .withVariable(
      new AdHocVariableBuilder('filters')
        .label('Filters')
        .datasource(DATASOURCE)
        .description(
          'Any label = value, applied to every query: error_type, queuetel_job_outcome, ... A domain label keeps only the panels whose metrics carry it (processing and wait time, failure ratio by label).',
        ),
    );
  for (const [title, panels] of ROWS) {
    builder.withRow(new RowBuilder(title));
    for (const panel of panels) builder.withPanel(panel);
  }
  const dashboard = builder.build();
  // Grafana wants a unique id on every panel; the builders leave them to the caller.
  dashboard.panels?.forEach((panel, i) => (panel.id = i + 1));
  return dashboard;
}
