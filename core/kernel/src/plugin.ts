import { readFileSync } from "node:fs";
import { join } from "node:path";
import { satisfies, validRange } from "semver";
import type { KernelHooks } from "./hooks";
import type { Logger } from "./logger";
import type { ProjectRegistry } from "./projects";
import type { StorageAdapter } from "./storage/adapter";
import type { StorageGuard } from "./lifecycle/storage-guard";
import type { InFlight } from "./lifecycle/in-flight";

/**
 * The kernel as a plugin sees it: what `apply` receives. The Kernel class implements it; plugins are
 * written against this contract, not the class, so the contract sits below the kernel that runs it.
 */
export interface KernelApi {
  /** Every hook, by name (hooks.ts). */
  readonly hooks: KernelHooks;
  readonly logger: Logger;
  /** Projects and their secrets, cached over the storage. */
  readonly projects: ProjectRegistry;
  /** The registered storage adapter; throws while none is registered, so read it in taps, not in `apply`. */
  readonly storage: StorageAdapter;
  /** Runs a storage call under the kernel's timeout and fault rules (503 storage_unavailable). */
  readonly storageGuard: StorageGuard;
  /** Requests and storage calls in flight; close() drains them. */
  readonly inFlight: InFlight;
  /** Names of the plugins applied so far, in order. */
  readonly plugins: readonly string[];
  /** Registers the one storage adapter; a second is an error. */
  registerStorage(adapter: StorageAdapter): void;
}

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
  apply(kernel: KernelApi): void;
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
