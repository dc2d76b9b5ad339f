import { createHash, randomBytes } from "node:crypto";
import type { StorageAdapter } from "./storage/adapter";
import type { ProjectRecord, SecretKind } from "./storage/records";
import type { StorageGuard } from "./lifecycle/storage-guard";

/** A project as configured: its secrets in clear, once, so they can be hashed and registered. */
export interface ProjectDefinition {
  id: string;
  key?: string;
  keys?: string[];
  name?: string;
  allowedOrigins?: string[];
  readTokens?: string[];
}

/** Secrets are random and long, so an unsalted SHA-256 is enough to keep them unusable at rest. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function generateSecret(kind: SecretKind): string {
  return `${kind === "ingest" ? "hk" : "hr"}_${randomBytes(24).toString("base64url")}`;
}

export function generateProjectId(): string {
  return `prj_${randomBytes(9).toString("base64url")}`;
}

const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

/**
 * The project registry over the storage adapter: registration, key rotation and revocation, and a
 * short-lived cache so that ingest does not read the database on every request. Revocation through
 * this registry takes effect at once in this process, and within CACHE_TTL_MS in others.
 */
export class ProjectRegistry {
  private readonly cache = new Map<string, { at: number; project: ProjectRecord | null }>();

  /** Reads on the request path (resolve, get, list) go through `guard`: a database that is down or slow makes
   * them throw `storage_unavailable` (503) after a bounded wait, as a cold or expired cache does after a restart. */
  constructor(
    private readonly storage: () => StorageAdapter,
    private readonly guard: StorageGuard,
  ) {}

  /** Idempotent: re-registering the same definition changes nothing. */
  async register(def: ProjectDefinition): Promise<ProjectRecord> {
    const store = this.storage();
    const existing = await store.getProject(def.id);
    const project: ProjectRecord = {
      id: def.id,
      name: def.name ?? existing?.name ?? def.id,
      allowedOrigins: def.allowedOrigins ?? existing?.allowedOrigins ?? [],
      createdAt: existing?.createdAt ?? Date.now(),
    };
    await store.upsertProject(project);
    this.cache.clear();
    const keys = [...(def.key !== undefined ? [def.key] : []), ...(def.keys ?? [])];
    for (const key of keys) await this.addSecret(project.id, "ingest", key);
    for (const token of def.readTokens ?? []) await this.addSecret(project.id, "read", token);
    return project;
  }

  async addSecret(projectId: string, kind: SecretKind, secret: string): Promise<void> {
    await this.storage().addSecret({ hash: hashSecret(secret), projectId, kind, createdAt: Date.now(), revokedAt: null });
    this.cache.clear();
  }

  /** Issues a new secret; the clear value is returned once and never stored. */
  async issueSecret(projectId: string, kind: SecretKind): Promise<string> {
    const secret = generateSecret(kind);
    await this.addSecret(projectId, kind, secret);
    return secret;
  }

  async revokeSecret(secret: string): Promise<boolean> {
    const done = await this.storage().revokeSecret(hashSecret(secret), Date.now());
    this.cache.clear();
    return done;
  }

  /** The project a live secret belongs to, or null for unknown and revoked secrets. */
  resolve(secret: string, kind: SecretKind): Promise<ProjectRecord | null> {
    const hash = hashSecret(secret);
    return this.cachedLookup(`${kind}:${hash}`, true, async () => {
      const store = this.storage();
      const found = await store.findSecret(hash, kind);
      return found && found.revokedAt === null ? store.getProject(found.projectId) : null;
    });
  }

  /**
   * A project by id. Found projects are cached like keys (projects are never deleted; a change made
   * through another process shows within CACHE_TTL_MS), so reads and JWT ingest do not pay a database
   * round trip per request; an unknown id is always looked up, so a project registered elsewhere
   * is seen at once.
   */
  get(id: string): Promise<ProjectRecord | null> {
    return this.cachedLookup(`project:${id}`, false, () => this.storage().getProject(id));
  }

  /**
   * A guarded lookup behind the cache (answers younger than CACHE_TTL_MS; null answers only when
   * `cacheNull`). Stale if error: while the database is away, a key or project seen before keeps its
   * last answer (a revocation made meanwhile waits for the database), so an outage costs only what
   * this process has never seen.
   */
  private async cachedLookup(cacheKey: string, cacheNull: boolean, load: () => Promise<ProjectRecord | null>): Promise<ProjectRecord | null> {
    const now = Date.now();
    const hit = this.cache.get(cacheKey);
    if (hit && now - hit.at < CACHE_TTL_MS) return hit.project;
    let project: ProjectRecord | null;
    try {
      project = await this.guard.run("lookup", load);
    } catch (err) {
      if (hit) return hit.project;
      throw err;
    }
    if (project || cacheNull) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(cacheKey, { at: now, project });
    }
    return project;
  }

  list(): Promise<ProjectRecord[]> {
    return this.guard.run("lookup", () => this.storage().listProjects());
  }
}
