import type { ProjectDefinition } from "@m-software-engineering/heat-collector";

/**
 * The tenants: one project per site. A key ingests only into its project, from that project's
 * origins; a read token reads only its project, and browser reads come only from the listed origins
 * (a site and the dashboard that reads it). Demo secrets only: real ones come from `generateSecret`.
 */
export const TENANTS: ProjectDefinition[] = [
  {
    id: "shop",
    name: "Shop",
    key: "hk_tenant_shop_key_0123456789abcdef",
    readTokens: ["hr_tenant_shop_read_0123456789abcdef"],
    allowedOrigins: ["https://shop.example", "https://dash.shop.example"],
  },
  {
    id: "blog",
    name: "Blog",
    key: "hk_tenant_blog_key_0123456789abcdef",
    readTokens: ["hr_tenant_blog_read_0123456789abcdef"],
    allowedOrigins: ["https://blog.example", "https://*.blog.example"],
  },
];
