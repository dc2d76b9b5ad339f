/** The tracker the test page exposes as window.heat (heat-sdk's public Tracker API), typed once for every e2e suite. */
export interface PageTracker {
  identify(userId: string, traits?: Record<string, unknown>): void;
  track(name: string, props?: Record<string, unknown>): void;
  flush(): Promise<void>;
}

declare global {
  interface Window {
    heat: PageTracker;
    heatReady?: boolean;
  }
}
