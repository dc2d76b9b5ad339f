import { isbot } from "isbot";
import { reject, type CollectorPlugin } from "@m-software-engineering/heat-collector-kernel";

/**
 * Refuses ingest from crawlers and headless browsers (by User-Agent, with isbot) before credentials
 * are read: beforeAuth sees headers only, so a bot costs no key lookup and no body parse.
 */
export function botFilter(): CollectorPlugin {
  return {
    name: "bot-filter",
    kernel: "^0.1.0",
    apply(kernel) {
      kernel.hooks.beforeAuth.tap("bot-filter", (ctx) => {
        const ua = ctx.request.headers["user-agent"];
        return isbot(ua) ? reject("forbidden", "Requests from bots are not recorded.", { details: { userAgent: ua } }) : undefined;
      });
    },
  };
}
