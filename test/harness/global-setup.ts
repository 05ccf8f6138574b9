import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the server the integration tests share. */
    databaseUrl: string;
  }
}

let server: RunningPostgres | undefined;

/** Starts one PostgreSQL for the whole run, unless DATABASE_URL names one, and stops it after. */
export async function setup(project: TestProject): Promise<void> {
  const given = process.env.DATABASE_URL;
  if (given) {
    project.provide('databaseUrl', given);
    return;
  }
  server = await startEmbeddedPostgres();
  project.provide('databaseUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}
