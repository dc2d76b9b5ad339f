import type { Kernel } from "./kernel";

/**
 * The plugin contract: a name and an `apply(kernel)` that taps the hooks it needs (see hooks.ts)
 * and, for a storage adapter plugin, calls `kernel.registerStorage`. `apply` runs once, before start.
 */
export interface CollectorPlugin {
  readonly name: string;
  apply(kernel: Kernel): void;
}
