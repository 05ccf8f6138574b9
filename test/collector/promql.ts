import { parser } from '@prometheus-io/lezer-promql';

/** One metric selector in a PromQL expression, and the labels the expression needs it to have. */
export interface SelectorUse {
  readonly metric: string;
  /** Labels in its matchers, and the `by (...)` labels of every aggregation around it. */
  readonly labels: readonly string[];
}

/** Whether `expr` parses as PromQL (the grammar of Prometheus's own editor). */
export function parsesAsPromql(expr: string): boolean {
  let error = false;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) error = true;
    },
  });
  return !error;
}

/**
 * Every selector that names its metric, with the labels it must carry for the query to mean what
 * it says: a misspelled label in `by (...)` or in a matcher silently matches nothing.
 */
export function selectorUses(expr: string): SelectorUse[] {
  const uses: SelectorUse[] = [];
  const grouping: string[][] = [];
  const cursor = parser.parse(expr).cursor();
  const text = (from: number, to: number) => expr.slice(from, to);

  const visit = (): void => {
    const node = cursor.node;
    let pushed = false;
    if (node.name === 'AggregateExpr') {
      const modifier = node.getChild('AggregateModifier');
      if (modifier?.getChild('By')) {
        const labels = modifier.getChild('GroupingLabels')?.getChildren('LabelName') ?? [];
        grouping.push(labels.map((label) => text(label.from, label.to)));
        pushed = true;
      }
    }
    if (node.name === 'VectorSelector') {
      const identifier = node.getChild('Identifier');
      if (identifier) {
        const matchers = node.getChild('LabelMatchers');
        const matched = (matchers?.getChildren('UnquotedLabelMatcher') ?? []).flatMap((matcher) => {
          const name = matcher.getChild('LabelName');
          return name ? [text(name.from, name.to)] : [];
        });
        uses.push({
          metric: text(identifier.from, identifier.to),
          labels: [...new Set([...matched, ...grouping.flat()])],
        });
      }
    }
    if (cursor.firstChild()) {
      do visit();
      while (cursor.nextSibling());
      cursor.parent();
    }
    if (pushed) grouping.pop();
  };
  visit();
  return uses;
}
