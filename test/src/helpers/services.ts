/**
 * Suites that need a real service (PostgreSQL, MariaDB, Chromium) call `requireService` in a
 * before() hook: outside CI a missing service skips the suite with a printed reason; under CI=true
 * it fails the run.
 */
export async function requireService(ctx: Mocha.Context, name: string, probe: () => Promise<unknown>): Promise<void> {
  try {
    await probe();
  } catch (err) {
    const reason = `${name} is not reachable: ${err instanceof Error ? err.message : String(err)}`;
    if (process.env.CI === "true") throw new Error(`${reason} (CI=true: database and browser suites must not skip)`);
    console.log(`    skipped: ${reason}`);
    ctx.skip();
  }
}
