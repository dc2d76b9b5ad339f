/**
 * Starts the NestJS app on PORT (default 3000) and prints the line a test waits for, with the NestJS
 * version it runs on (the same build runs on NestJS 10 and 11).
 */
import "reflect-metadata";
import { NestFactory } from "@nestjs/core";
import { AppModule, running } from "./app.module";

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ["error", "warn"] });
  await app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
  const { version } = require("@nestjs/core/package.json") as { version: string };
  console.log(`heat-collector in NestJS ${version} listening on ${await app.getUrl()}`);
  const stop = () => {
    void app
      .close()
      .then(() => running.collector?.close())
      .then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
