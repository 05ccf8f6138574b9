/** The two kinds of panel the dashboard is made of, styled once: a headline number and a graph. */
import {
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Threshold,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphDrawStyle,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  StackingConfigBuilder,
  StackingMode,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** The data source every panel queries: a variable, so the dashboard imports into any Grafana. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
/** A panel of the dashboard. */
export type Panel = StatPanelBuilder | TimeseriesPanelBuilder;

/** A query, its legend, and whether Grafana fetches the exemplars of the series it reads. */
export type Target = readonly [expr: string, legend: string, exemplars?: boolean];

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly width: number;
  readonly targets: readonly Target[];
  /** Where the colour turns, from green at the bottom. */
  readonly thresholds?: readonly Threshold[];
}

function thresholds(steps: readonly Threshold[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([...steps]);
}

function queries(targets: readonly Target[]): DataqueryBuilder[] {
  return targets.map(([expr, legend, exemplars], i) => {
    const query = new DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(expr)
      .legendFormat(legend)
      .refId(String.fromCharCode(65 + i))
      .range();
    return exemplars ? query.exemplar(true) : query;
  });
}

/** A headline number of the Overview row. */
export function stat(spec: Omit<PanelSpec, 'width'>): StatPanelBuilder {
  const panel = new StatPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .height(4)
    .span(6)
    .unit(spec.unit)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false))
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.Area)
    .textMode(BigValueTextMode.Value)
    .targets(queries(spec.targets));
  return spec.thresholds ? panel.thresholds(thresholds(spec.thresholds)) : panel;
}

/** A graph over time; `stacked` for parts of one whole, thresholds drawn dashed where an alert fires. */
export function graph(spec: PanelSpec & { readonly stacked?: boolean }): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .height(8)
    .span(spec.width)
    .unit(spec.unit)
    .min(0)
    .drawStyle(GraphDrawStyle.Line)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(VisibilityMode.Never)
    .spanNulls(false)
    .stacking(
      new StackingConfigBuilder().mode(spec.stacked ? StackingMode.Normal : StackingMode.None).group('A'),
    )
    .legend(
      new VizLegendOptionsBuilder()
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
    .targets(queries(spec.targets));
  if (!spec.thresholds) return panel;
  return panel
    .thresholds(thresholds(spec.thresholds))
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
}

/** Green, then red from where an alert fires. */
export const alertAt = (value: number): Threshold[] => [
  { color: 'green', value: null },
  { color: 'red', value },
];

/** Green, orange from `warning`, red from `critical`. */
export const warnAt = (warning: number, critical: number): Threshold[] => [
  { color: 'green', value: null },
  { color: 'orange', value: warning },
  { color: 'red', value: critical },
];
