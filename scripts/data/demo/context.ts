import type { Manufacturer } from "./catalogue/equipment.ts";
import type { DemoOrgSpec, DemoRole } from "./catalogue/organizations.ts";
import type { StateCode } from "./catalogue/places.ts";
import type { Rng } from "./prng.ts";

/** What the generator steps share about each organisation as they build it up. */
export type DemoUser = { id: string; email: string; role: DemoRole; name: string; phone: string };

export type DemoContractor = {
  id: string;
  name: string;
  isActive: boolean;
  hourlyRate: number;
  kind: "employee" | "subcontractor" | "company";
  userId: string | null;
};

export type DemoSite = {
  id: string;
  name: string;
  state: StateCode;
  floors: number;
  contactName: string;
  contactPhone: string;
  contactEmail: string;
};

export type DemoElevator = {
  id: string;
  siteId: string;
  manufacturer: Manufacturer;
  model: string;
  unitNumber: string;
  floorsServed: number;
  installedMs: number;
  status: string;
};

export type DemoOrg = {
  id: string;
  spec: DemoOrgSpec;
  users: DemoUser[];
  /** by role; the extra technicians are in `technicians` too */
  byRole: Record<DemoRole, DemoUser>;
  technicians: DemoUser[];
  contractors: DemoContractor[];
  sites: DemoSite[];
  elevators: DemoElevator[];
};

export type GenContext = {
  seed: number;
  /** Midnight UTC of the day the data is generated for; all dates are relative to it. */
  anchorMs: number;
  rng: (label: string) => Rng;
  orgs: DemoOrg[];
};
