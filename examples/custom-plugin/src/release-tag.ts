import type { CollectorPlugin, IngestPayload } from "@m-software-engineering/heat-collector-kernel";

/**
 * Stamps every stored event with the release the page ran (`meta.release`), taken from the
 * `x-release` header the page's fetch wrapper sends, or `fallback`. An enricher on onBeforeInsert:
 * it returns the changed payload, which the kernel checks again before storing.
 */
export function releaseTag(fallback: string): CollectorPlugin {
  return {
    name: "release-tag",
    kernel: "^0.1.0",
    requires: ["bot-filter"],
    apply(kernel) {
      kernel.hooks.onBeforeInsert.tap("release-tag", (payload, ctx): IngestPayload => {
        const header = ctx.request.headers["x-release"];
        const release = typeof header === "string" && header !== "" ? header.slice(0, 64) : fallback;
        return { ...payload, events: payload.events.map((e) => ({ ...e, meta: { ...e.meta, release } })) };
      });
    },
  };
}
