import { readFileSync } from "node:fs";
import { join } from "node:path";
import { satisfies, validRange } from "semver";
import type { Kernel } from "./kernel";

/**
 * The plugin contract: a name and an `apply(kernel)` that taps the hooks it needs (see hooks.ts)
 * and, for a storage adapter plugin, calls `kernel.registerStorage`. `apply` runs once, before start.
 * A plugin may declare what it was written against; the kernel refuses a mismatch (see below).
 */
export interface CollectorPlugin {
  readonly name: string;
  /** The kernel versions this plugin works with, a semver range ("^0.1.0"). Checked in `Kernel.use`. */
  readonly kernel?: string;
  /** Names of plugins that must be applied too, in any order. Checked in `Kernel.start`. */
  readonly requires?: readonly string[];
  apply(kernel: Kernel): void;
}

/** The version of this kernel package, as published (what `CollectorPlugin.kernel` is matched against). */
export const KERNEL_VERSION: string = (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;

export type PluginErrorCode = "plugin_kernel_mismatch" | "plugin_invalid_range" | "plugin_missing_requirement";

/** A plugin that cannot run on this kernel; thrown by `Kernel.use` and `Kernel.start`, so a collector never starts with it. */
export class PluginError extends Error {
  override readonly name = "PluginError";
  constructor(
    readonly code: PluginErrorCode,
    readonly plugin: string,
    message: string,
  ) {
    super(message);
  }
}

/** Throws when `plugin.kernel` is not a valid range or does not include `version`. */
export function assertKernelSupported(plugin: CollectorPlugin, version: string = KERNEL_VERSION): void {
  if (plugin.kernel === undefined) return;
  if (validRange(plugin.kernel) === null) {
    throw new PluginError("plugin_invalid_range", plugin.name, `plugin "${plugin.name}" declares kernel "${plugin.kernel}", which is not a semver range`);
  }
  if (!satisfies(version, plugin.kernel, { includePrerelease: true })) {
    throw new PluginError(
      "plugin_kernel_mismatch",
      plugin.name,
      `plugin "${plugin.name}" supports kernel ${plugin.kernel}, but this is kernel ${version}: install a version of the plugin made for it`,
    );
  }
}

/** Throws when a plugin's `requires` names a plugin that is not among `applied`. */
export function assertRequirementsMet(plugins: readonly CollectorPlugin[]): void {
  const applied = new Set(plugins.map((p) => p.name));
  for (const plugin of plugins) {
    const missing = (plugin.requires ?? []).filter((name) => !applied.has(name));
    if (missing.length > 0) {
      throw new PluginError(
        "plugin_missing_requirement",
        plugin.name,
        `plugin "${plugin.name}" requires ${missing.map((m) => `"${m}"`).join(", ")}, which ${missing.length === 1 ? "is" : "are"} not applied (applied: ${[...applied].join(", ")})`,
      );
    }
  }
}
