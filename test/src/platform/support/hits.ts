import { expect } from "chai";
import { SdkSession } from "../../helpers/sdk";

/** A real browser-shaped ingest: what heat-sdk 0.2.6 posts, with the page's Origin. */
export async function ingestClicks(base: string, key: string, clicks: Array<[number, number]>, headers: Record<string, string> = {}): Promise<Response> {
  const s = new SdkSession(`platform-${Math.random().toString(36).slice(2)}`);
  return fetch(`${base}/ingest`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-project-key": key, ...headers },
    body: JSON.stringify(s.payload(clicks.map(([x, y]) => s.click(x, y)))),
  });
}

/** The preflight a browser sends before a cross-origin request with custom headers. */
export async function preflight(url: string, origin: string, method: string, headers: string): Promise<Response> {
  return fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });
}

/** Reads the click heatmap with a read token and checks it holds exactly `total` clicks. */
export async function expectClickTotal(base: string, projectId: string, token: string, total: number): Promise<void> {
  const res = await fetch(`${base}/api/projects/${projectId}/heatmap?type=click`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { meta: { total: number } };
  expect(res.status, JSON.stringify(body)).to.equal(200);
  expect(body.meta.total).to.equal(total);
}
