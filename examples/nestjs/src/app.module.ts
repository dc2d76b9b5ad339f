// The README's NestJS snippet, unchanged but for the config (collectorConfig) and the controller
// that shows the app's own routes still answer beside the collector.
import { Controller, Get, Module, MiddlewareConsumer, NestModule } from "@nestjs/common";
import { createCollector, type Collector } from "@m-software-engineering/heat-collector";
import express from "express";
import { collectorConfig } from "./collector-config";

/** Kept so main.ts can close the database on shutdown. */
export const running: { collector?: Collector } = {};

@Controller()
export class HelloController {
  @Get("hello")
  hello(): { hello: string } {
    return { hello: "nest" };
  }
}

@Module({ controllers: [HelloController] })
export class AppModule implements NestModule {
  async configure(consumer: MiddlewareConsumer) {
    const collector = await createCollector(collectorConfig());
    running.collector = collector;

    const router = express.Router();
    router.use(collector.router);
    consumer.apply(router).forRoutes("*");
  }
}
