import { LIFT_MODELS, type LiftModel } from "./catalogue/equipment.ts";
import {
  FIRST_NAMES,
  LAST_NAMES,
  STATE_AREA_CODES,
  STATE_TIMEZONES,
  SUBURBS,
  type Suburb,
} from "./catalogue/places.ts";
import type { DemoOrg, DemoSite, GenContext } from "./context.ts";
import type { Rng } from "./prng.ts";
import { DAY, iso, isoDate, landline, mobile, money, type Row, slugify } from "./util.ts";

const BUILDING_NAMES = [
  "Harbourview",
  "Meridian",
  "Aurora",
  "Sovereign",
  "Eastgate",
  "Riverside",
  "Pacific",
  "Southern Star",
  "Ironbark",
  "Wattle",
  "Jacaranda",
  "Banksia",
  "Parkside",
  "Lumina",
  "Kingsford",
  "Albion",
];

type SiteType =
  | "commercial"
  | "residential"
  | "mixed"
  | "industrial"
  | "healthcare"
  | "education"
  | "retail"
  | "hospitality"
  | "government";

const FLOORS: Record<SiteType, readonly [number, number]> = {
  commercial: [6, 45],
  residential: [5, 35],
  mixed: [10, 40],
  industrial: [2, 4],
  healthcare: [4, 12],
  education: [3, 8],
  retail: [2, 5],
  hospitality: [8, 30],
  government: [5, 20],
};

function siteName(
  rng: Rng,
  type: SiteType,
  suburb: Suburb,
  streetNo: number,
  street: string,
): string {
  const name = rng.pick(BUILDING_NAMES);
  switch (type) {
    case "commercial":
      return rng.chance(0.5) ? `${streetNo} ${street}` : `${name} Tower`;
    case "residential":
      return `${name} ${rng.pick(["Apartments", "Residences"])}`;
    case "mixed":
      return `${name} Quarter`;
    case "industrial":
      return `${suburb.city} Logistics Centre`;
    case "healthcare":
      return `${suburb.city} Private Hospital`;
    case "education":
      return `${suburb.city} TAFE Building ${rng.int(1, 9)}`;
    case "retail":
      return `${name} Shopping Centre`;
    case "hospitality":
      return `${name} Hotel ${suburb.city}`;
    case "government":
      return `${street.replace(/ (Street|Avenue|Road|Terrace|Circuit|Way)$/, "")} Government Offices`;
  }
}

export type SiteRows = { sites: Row[]; elevators: Row[] };

/** Sites across the states for every organisation, each with a bank of 1–6 lifts. */
export function generateSites(ctx: GenContext): SiteRows {
  const out: SiteRows = { sites: [], elevators: [] };
  for (const org of ctx.orgs) {
    const rng = ctx.rng(`sites:${org.spec.slug}`);
    org.spec.siteStates.forEach((state, i) => {
      const suburb = rng.pick(SUBURBS[state]);
      const street = rng.pick(suburb.streets);
      const streetNo = rng.int(1, 480);
      const small = state === "NT" || state === "TAS" || suburb.postcode >= "2300";
      const type = rng.weighted<SiteType>([
        ["commercial", 5],
        ["residential", 3],
        ["mixed", 1],
        ["healthcare", 1],
        ["education", 1],
        ["retail", 1],
        ["hospitality", 1],
        ["government", 1],
        ["industrial", 0.5],
      ]);
      const [minFloors, maxFloors] = FLOORS[type];
      const floors = rng.int(
        minFloors,
        small ? Math.min(maxFloors, Math.max(minFloors, 15)) : maxFloors,
      );
      const contactFirst = rng.pick(FIRST_NAMES);
      const contactLast = rng.pick(LAST_NAMES);
      const name = siteName(rng, type, suburb, streetNo, street);
      const site: DemoSite = {
        id: rng.uuid(),
        name,
        state,
        floors,
        contactName: `${contactFirst} ${contactLast}`,
        contactPhone: landline(rng, STATE_AREA_CODES[state]),
        contactEmail: `facilities@${slugify(name)}.example.com.au`,
      };
      org.sites.push(site);
      const yearBuilt = rng.int(1978, 2021);
      out.sites.push({
        id: site.id,
        organization_id: org.id,
        name,
        code: `${org.spec.codePrefix}-${String(i + 1).padStart(3, "0")}`,
        site_type: type,
        address_line1: `${streetNo} ${street}`,
        city: suburb.city,
        state,
        postal_code: suburb.postcode,
        country: "Australia",
        latitude: (suburb.lat + rng.float(-0.006, 0.006)).toFixed(6),
        longitude: (suburb.lng + rng.float(-0.006, 0.006)).toFixed(6),
        floors_count: floors,
        year_built: yearBuilt,
        total_area_sqm: money(floors * rng.int(600, 1800)),
        occupancy_count: floors * rng.int(20, 90),
        primary_contact_name: site.contactName,
        primary_contact_phone: site.contactPhone,
        primary_contact_email: site.contactEmail,
        emergency_contact_name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
        emergency_contact_phone: mobile(rng),
        access_instructions: rng.pick([
          "Sign in at ground floor security desk; machine room keys held by security.",
          "Report to building manager's office on level 1. Lift keys in key safe.",
          "Loading dock entry via rear lane; call building manager on arrival.",
        ]),
        after_hours_access: "Call the emergency contact; security attends within 20 minutes.",
        key_holder_info: [{ name: site.contactName, phone: site.contactPhone }],
        health_score: rng.int(62, 97),
        health_score_updated_at: iso(ctx.anchorMs - rng.int(0, 6) * DAY),
        timezone: STATE_TIMEZONES[state],
        created_at: iso(ctx.anchorMs - rng.int(400, 700) * DAY),
      });
      out.elevators.push(...elevatorsFor(ctx, rng, org, site, yearBuilt, i + 1));
    });
  }
  return out;
}

function chooseModel(rng: Rng, org: DemoOrg, floors: number): LiftModel {
  const manufacturer = rng.pick(org.spec.brands);
  const own = LIFT_MODELS.filter((m) => m.manufacturer === manufacturer);
  const fits = own.filter(
    (m) => m.maxFloors >= floors && (floors <= 5 || m.driveType !== "hydraulic"),
  );
  if (fits.length > 0) return rng.pick(fits);
  return own.reduce((a, b) => (b.maxFloors > a.maxFloors ? b : a));
}

function elevatorsFor(
  ctx: GenContext,
  rng: Rng,
  org: DemoOrg,
  site: DemoSite,
  yearBuilt: number,
  siteNo: number,
): Row[] {
  const count = site.floors < 6 ? rng.int(1, 2) : site.floors < 15 ? rng.int(2, 3) : rng.int(3, 6);
  const model = chooseModel(rng, org, site.floors);
  const basements = rng.int(0, 3);
  const [fromYear, toYear] = model.years;
  const installYear = rng.int(Math.min(Math.max(fromYear, yearBuilt), toYear), toYear);
  const rows: Row[] = [];
  for (let n = 1; n <= count; n++) {
    const installedMs = Date.UTC(installYear, rng.int(0, 11), rng.int(1, 28));
    const stops = Math.min(site.floors + basements, model.maxFloors + basements);
    const capacity = rng.pick(model.capacitiesKg);
    const tall = stops > 25;
    const speed = tall ? model.speedMps[1] : rng.float(model.speedMps[0], model.speedMps[1]);
    const status = rng.weighted([
      ["operational", 85],
      ["degraded", 5],
      ["maintenance", 4],
      ["out_of_service", 4],
      ["decommissioned", 1],
    ] as const);
    const overdue = rng.chance(0.12);
    const nextDueMs = ctx.anchorMs + (overdue ? rng.int(-30, -1) : rng.int(0, 90)) * DAY;
    const unitNumber = `L${n}`;
    const elevator = {
      id: rng.uuid(),
      siteId: site.id,
      manufacturer: model.manufacturer,
      model: model.model,
      unitNumber,
      floorsServed: stops,
      installedMs,
      status,
    };
    org.elevators.push(elevator);
    rows.push({
      id: elevator.id,
      organization_id: org.id,
      site_id: site.id,
      unit_number: unitNumber,
      serial_number: `${model.serialPrefix}${installYear}${rng.digits(5)}`,
      registration_number: `${site.state}-LIFT-${rng.digits(6)}`,
      asset_tag: `${org.spec.codePrefix}-${String(siteNo).padStart(3, "0")}-${unitNumber}`,
      manufacturer: model.manufacturer,
      model: model.model,
      controller_type: model.controller,
      drive_type: model.driveType,
      machine_type: model.machineType,
      capacity_kg: capacity,
      capacity_persons: Math.floor(capacity / 75),
      speed_mps: (Math.round(speed * 20) / 20).toFixed(2),
      floors_served: stops,
      stops,
      travel_height_m: ((stops - 1) * 3.6).toFixed(2),
      door_type: model.doorType,
      door_width_mm: capacity >= 1600 ? 1100 : capacity >= 1000 ? 900 : 800,
      car_dimensions: {
        width_mm: capacity >= 1600 ? 2000 : 1400,
        depth_mm: capacity >= 1275 ? 2400 : 1600,
        height_mm: 2300,
      },
      installation_date: isoDate(installedMs),
      last_major_service: isoDate(ctx.anchorMs - rng.int(30, 700) * DAY),
      status,
      status_changed_at: iso(
        ctx.anchorMs -
          rng.int(status === "operational" ? 20 : 0, status === "operational" ? 300 : 10) * DAY,
      ),
      status_reason: status === "operational" ? null : STATUS_REASONS[status],
      last_inspection_date: isoDate(nextDueMs - 365 * DAY),
      last_inspection_result: rng.chance(0.8) ? "pass" : "pass_with_defects",
      next_inspection_due: isoDate(nextDueMs),
      inspection_certificate_number: `IC-${site.state}-${rng.digits(7)}`,
      health_score: status === "operational" ? rng.int(70, 98) : rng.int(35, 68),
      health_score_updated_at: iso(ctx.anchorMs - rng.int(0, 6) * DAY),
      known_quirks: rng.chance(0.25) ? [rng.pick(QUIRKS)] : [],
      specifications: {
        controller: model.controller,
        drive: model.driveType,
        group: count > 1 ? `bank of ${count}` : "simplex",
      },
      created_at: iso(ctx.anchorMs - rng.int(400, 700) * DAY),
    });
  }
  return rows;
}

const STATUS_REASONS = {
  degraded: "Running with intermittent door faults; repair scheduled",
  maintenance: "Planned maintenance in progress",
  out_of_service: "Out of service pending parts",
  decommissioned: "Decommissioned ahead of modernisation",
} as const;

const QUIRKS = [
  "Landing doors on top floor sensitive to stack pressure on windy days",
  "Machine room gets hot in summer afternoons",
  "Car re-levels slightly at basement levels",
  "Hall button on ground floor sticks occasionally",
];
