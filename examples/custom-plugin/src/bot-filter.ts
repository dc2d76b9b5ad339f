import { isbot } from "isbot";
import { reject, type CollectorPlugin } from "@m-software-engineering/heat-collector-kernel";

/**
 * Refuses ingest from crawlers and headless browsers (by User-Agent, with isbot) before credentials
 * are read: beforeAuth sees headers only, and the tap runs before the default cors and rate-limit
 * taps (a lower `stage` than their default 0), so a bot costs no key lookup, no rate-limit budget and no body parse.
 */
export function botFilter(): CollectorPlugin {
  return {
    name: "bot-filter",
    kernel: "^0.1.0",
    apply(kernel) {
      kernel.hooks.beforeAuth.tap({ name: "bot-filter", stage: -10 }, (ctx) => {
        const ua = ctx.request.headers["user-agent"];
        return isbot(ua) ? reject("forbidden", "Requests from bots are not recorded.", { details: { userAgent: ua } }) : undefined;
      });
    },
  };
}
