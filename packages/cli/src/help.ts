/** The `--help` text of each command, and of the tool. */
export const HELP: Record<'main' | 'collect' | 'status' | 'role-sql', string> = {
  main: `Usage: queuetel <command> [options]

Queue health for pg-boss and pgmq, read from PostgreSQL.

Commands:
  collect    Run the queue-health collector: OTLP export, an optional Prometheus /metrics,
             and the /health and /queues/{name} endpoint
  status     Print every queue's health once, as a table
  role-sql   Print the SQL that creates a least-privilege monitoring role

Run 'queuetel <command> --help' for a command's options.

Options:
  -h, --help     Show this help
  -v, --version  Show the version

Exit codes: 0 done, 1 a queue is unhealthy (status), 2 a usage error, 3 the database could not
be used, 4 a schema, pgmq or queue named was not found, 70 an internal error.
`,
  collect: `Usage: queuetel collect --database-url <url> [options]

Collects the queue-state gauges every interval. Run as many as you like: one of them, elected with
a Postgres advisory lock, reads the database; the others stand by and take over within an interval.
Metrics go out over OTLP/HTTP, configured by the standard OTEL_* environment variables.

Options:
  --database-url <url>      PostgreSQL URL (default: $DATABASE_URL)
  --schema <name>           A pg-boss schema to read; repeat for several (default: every one found)
  --no-pg-boss              Read no pg-boss schema
  --pgmq / --no-pgmq        Require pgmq / skip it (default: read it when installed)
  --queue <name>            Report only this queue; repeat for several (default: every queue)
  --interval <seconds>      Seconds between collections (default: 5)
  --statement-timeout <ms>  Cancel a statement after this long (default: half the interval, at most 2000)
  --port <port>             Port of the HTTP endpoint (default: 9464)
  --host <host>             Address to listen on (default: 0.0.0.0)
  --prometheus              Also serve Prometheus metrics at /metrics
  --thresholds <file>       JSON file of health thresholds (see docs/queue-health.md)
  --lock-name <name>        Name of the election lock, to run separate collector groups
  --shadow-comparison       Count the jobs pg-boss ends (queuetel.queue.ended), for the drift
                            alert (see docs/queue-health.md); reads the job table each interval
  --token-scopes <file>     JSON file of tokens that each see only some queues, by name or by
                            label (see docs/security.md); default: $QUEUETEL_TOKEN_SCOPES
  -h, --help                Show this help

Environment:
  QUEUETEL_TOKEN                  A token that sees every queue. When it or scoped tokens are set,
                                  every request must carry 'Authorization: Bearer <token>'
  QUEUETEL_TOKEN_SCOPES           Path of the --token-scopes file
  OTEL_METRICS_EXPORTER           otlp (default), prometheus, console, none; comma-separated
  OTEL_EXPORTER_OTLP_ENDPOINT     Collector URL (default http://localhost:4318, or :4317 for grpc)
  OTEL_EXPORTER_OTLP_PROTOCOL     http/protobuf (default), http/json or grpc
  OTEL_METRIC_EXPORT_INTERVAL     Milliseconds between exports (default: 5000)
  OTEL_SERVICE_NAME               Service name (default: queuetel-collector)
  OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS and the other OTEL_EXPORTER_OTLP_* variables

Stops cleanly on SIGINT or SIGTERM, after a last export.
`,
  status: `Usage: queuetel status --database-url <url> [options]

Reads every queue once and prints a table of its health, for a person at a terminal.

Options:
  --database-url <url>      PostgreSQL URL (default: $DATABASE_URL)
  --schema <name>           A pg-boss schema to read; repeat for several (default: every one found)
  --no-pg-boss              Read no pg-boss schema
  --pgmq / --no-pgmq        Require pgmq / skip it (default: read it when installed)
  --queue <name>            Show only this queue; repeat for several
  --statement-timeout <ms>  Cancel a statement after this long (default: 2000)
  --thresholds <file>       JSON file of health thresholds (see docs/queue-health.md)
  --json                    Print JSON instead of a table
  -h, --help                Show this help

Exits 1 when a queue is unhealthy.
`,
  'role-sql': `Usage: queuetel role-sql [options]

Prints the SQL that creates a monitoring role which can read queue health and never a job's
payload. Run it as a superuser, e.g. 'queuetel role-sql | psql "$DATABASE_URL"'.

Options:
  --role <name>    The role to create (default: queuetel_monitor)
  --schema <name>  Grant on this pg-boss schema only; repeat for several (default: every one found
                   when the script runs)
  -h, --help       Show this help
`,
};
