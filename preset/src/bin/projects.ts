#!/usr/bin/env node
/**
 * `heat-collector`: the project registry and privacy operations from a shell, on the database named
 * by HEAT_DIALECT / DATABASE_URL / SQLITE_FILE. Secrets are printed once and stored only as hashes.
 */
import { Command } from "commander";
import { generateProjectId, Kernel, type StorageAdapter } from "@m-software-engineering/heat-collector-kernel";
import { storageFromDb } from "../storage-from-db";
import { dbFromEnv } from "./env";

/** A kernel over the configured store, migrated, with no HTTP side: the registry's home. */
async function withKernel<T>(run: (kernel: Kernel, storage: StorageAdapter) => Promise<T>): Promise<T> {
  const storage = storageFromDb(dbFromEnv());
  const kernel = new Kernel({ logLevel: "warn" });
  kernel.registerStorage(storage);
  try {
    await storage.migrate();
    return await run(kernel, storage);
  } finally {
    await kernel.close();
  }
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
const list = (value: string, previous: string[] = []) => [...previous, value];

export function buildCli(): Command {
  const program = new Command("heat-collector").description("heat-collector administration");
  const projects = program.command("projects").description("create, list, rotate keys, revoke");

  projects
    .command("create")
    .description("create a project with a new ingest key and read token")
    .option("--id <id>", "project id (default: generated)")
    .option("--name <name>", "display name")
    .option("--origin <origin>", "allowed browser origin (repeatable)", list)
    .action((opts: { id?: string; name?: string; origin?: string[] }) =>
      withKernel(async (kernel) => {
        const id = opts.id ?? generateProjectId();
        if (await kernel.projects.get(id)) throw new Error(`project "${id}" already exists`);
        const project = await kernel.projects.register({ id, ...(opts.name && { name: opts.name }), allowedOrigins: opts.origin ?? [] });
        print({ project, ingestKey: await kernel.projects.issueSecret(id, "ingest"), readToken: await kernel.projects.issueSecret(id, "read") });
      }),
    );

  projects
    .command("list")
    .description("list projects and their secrets (hashes, never values)")
    .action(() =>
      withKernel(async (kernel, storage) => {
        const all = await kernel.projects.list();
        print(await Promise.all(all.map(async (p) => ({ ...p, secrets: await storage.listSecrets(p.id) }))));
      }),
    );

  projects
    .command("rotate-key <projectId>")
    .description("issue a new ingest key; --revoke <oldKey> also revokes the old one")
    .option("--revoke <oldKey>", "the key being replaced")
    .action((projectId: string, opts: { revoke?: string }) =>
      withKernel(async (kernel) => {
        if (!(await kernel.projects.get(projectId))) throw new Error(`no project "${projectId}"`);
        const ingestKey = await kernel.projects.issueSecret(projectId, "ingest");
        const revoked = opts.revoke ? await kernel.projects.revokeSecret(opts.revoke) : false;
        print({ projectId, ingestKey, revokedOld: revoked });
      }),
    );

  projects
    .command("add-read-token <projectId>")
    .description("issue a read token for the query APIs")
    .action((projectId: string) =>
      withKernel(async (kernel) => {
        if (!(await kernel.projects.get(projectId))) throw new Error(`no project "${projectId}"`);
        print({ projectId, readToken: await kernel.projects.issueSecret(projectId, "read") });
      }),
    );

  projects
    .command("revoke <secret>")
    .description("revoke an ingest key or read token")
    .action((secret: string) =>
      withKernel(async (kernel) => {
        const revoked = await kernel.projects.revokeSecret(secret);
        if (!revoked) throw new Error("no live key or token matches");
        print({ revoked });
      }),
    );

  program
    .command("erase-user <projectId> <userId>")
    .description("delete one user's events and sessions in a project")
    .action((projectId: string, userId: string) => withKernel(async (_k, storage) => print({ projectId, userId, erased: await storage.eraseUser(projectId, userId) })));

  program
    .command("purge")
    .description("delete events older than --days")
    .requiredOption("--days <n>", "retention in days", Number)
    .action((opts: { days: number }) =>
      withKernel(async (_k, storage) => {
        if (!(opts.days > 0)) throw new Error("--days must be > 0");
        print({ purged: await storage.purgeBefore(Date.now() - opts.days * 86_400_000) });
      }),
    );
  return program;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      console.error(`heat-collector: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
