import { ApiKeyRow } from "../db/api-keys.ts";
import { OrganizationRow } from "../db/organizations.ts";
import { UserRow } from "../db/users.ts";
import type { NamedSchemas } from "../http/openapi.ts";
import { RESOURCES } from "../resources/index.ts";

const pascal = (snake: string) =>
  snake.replace(/(^|_)(\w)/g, (_m, _s, c: string) => c.toUpperCase());

/**
 * The rows that get a name in the OpenAPI document (components.schemas), so clients see
 * one Site or WorkOrder type instead of the same object repeated under every route.
 */
export const NAMED_SCHEMAS: NamedSchemas = [
  ...RESOURCES.map(({ def }) => [def.row, pascal(def.entity)] as const),
  [OrganizationRow, "Organization"],
  [UserRow, "User"],
  [ApiKeyRow, "ApiKey"],
];
