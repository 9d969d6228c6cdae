import { MANUFACTURERS } from "./catalogue/equipment.ts";
import { DEMO_ORGS, type DemoRole, EXTRA_TECHNICIANS, ROLES } from "./catalogue/organizations.ts";
import { FIRST_NAMES, LAST_NAMES, STATE_TIMEZONES, SUBURBS } from "./catalogue/places.ts";
import type { DemoContractor, DemoOrg, DemoUser, GenContext } from "./context.ts";
import type { Rng } from "./prng.ts";
import { abn, acn, DAY, iso, isoDate, landline, mobile, money, type Row, slugify } from "./util.ts";

const USER_TYPES: Record<DemoRole, string> = {
  owner: "admin",
  admin: "admin",
  manager: "manager",
  user: "standard",
  technician: "technician",
  readonly: "standard",
  guest: "standard",
};

const SUBCONTRACTORS = [
  "Apex Lift Doors Pty Ltd",
  "Coastal Hydraulics Pty Ltd",
  "Precision Rope & Sheave Pty Ltd",
  "Vertical Electrical Solutions Pty Ltd",
  "Summit Lift Interiors Pty Ltd",
  "Metro Shaft Access Pty Ltd",
];

export type OrgRows = {
  organizations: Row[];
  users: Row[];
  technician_profiles: Row[];
  manager_profiles: Row[];
  contractors: Row[];
};

/** Organisations, their people (every role), profiles and contractors. */
export function generateOrgs(ctx: GenContext, passwordHash: string): OrgRows {
  const rng = ctx.rng("orgs");
  const out: OrgRows = {
    organizations: [],
    users: [],
    technician_profiles: [],
    manager_profiles: [],
    contractors: [],
  };
  const subcontractorNames = rng.shuffle(SUBCONTRACTORS);

  for (const spec of DEMO_ORGS) {
    const orgId = rng.uuid();
    const createdMs = ctx.anchorMs - rng.int(500, 900) * DAY;
    out.organizations.push({
      id: orgId,
      name: spec.name,
      slug: spec.slug,
      organization_type: spec.type,
      contact_email: `service@${new URL(spec.website).host}`,
      contact_phone: spec.phone,
      website_url: spec.website,
      address_line1: spec.address.line1,
      city: spec.address.city,
      state: spec.address.state,
      postal_code: spec.address.postcode,
      country: "Australia",
      abn: abn(rng),
      acn: acn(rng),
      subscription_tier: spec.tier,
      subscription_started_at: iso(createdMs),
      settings: {
        timezone: STATE_TIMEZONES[spec.address.state],
        date_format: "DD/MM/YYYY",
        currency: "AUD",
        language: "en-AU",
      },
      is_verified: true,
      verified_at: iso(createdMs + 2 * DAY),
      metadata: { demo: true },
      created_at: iso(createdMs),
    });

    const org: DemoOrg = {
      id: orgId,
      spec,
      users: [],
      byRole: {} as Record<DemoRole, DemoUser>,
      technicians: [],
      contractors: [],
      sites: [],
      elevators: [],
    };
    const names = rng.sample(FIRST_NAMES, ROLES.length + EXTRA_TECHNICIANS);
    // Role logins are role@domain; named technicians log in as first.last@domain.
    const addUser = (role: DemoRole, first: string, local?: string) => {
      const last = rng.pick(LAST_NAMES);
      const mailbox = local ?? `${slugify(first)}.${slugify(last).replace(/-/g, "")}`;
      const user: DemoUser = {
        id: rng.uuid(),
        email: `${mailbox}@${spec.emailDomain}`,
        role,
        name: `${first} ${last}`,
        phone: mobile(rng),
      };
      out.users.push({
        id: user.id,
        organization_id: orgId,
        email: user.email,
        password_hash: passwordHash,
        email_verified: true,
        email_verified_at: iso(createdMs + DAY),
        first_name: first,
        last_name: last,
        display_name: `${first} ${last}`,
        phone: user.phone,
        user_type: USER_TYPES[role],
        role,
        city: spec.address.city,
        state: spec.address.state,
        country: "Australia",
        timezone: STATE_TIMEZONES[spec.address.state],
        is_active: true,
        created_at: iso(createdMs + DAY),
      });
      org.users.push(user);
      return user;
    };
    ROLES.forEach((role, i) => {
      org.byRole[role] = addUser(role, names[i]!, role);
    });
    org.technicians.push(org.byRole.technician);
    if (spec.type === "service_company") {
      for (let i = 0; i < EXTRA_TECHNICIANS; i++) {
        org.technicians.push(addUser("technician", names[ROLES.length + i]!));
      }
    }

    for (const tech of org.technicians)
      out.technician_profiles.push(technicianProfile(ctx, rng, tech, spec.brands));
    if (spec.type === "building_owner") {
      out.manager_profiles.push({
        id: rng.uuid(),
        user_id: org.byRole.manager.id,
        manager_type: spec.slug === "demo-baysidestrata" ? "strata_manager" : "building_manager",
        years_experience: rng.int(5, 22),
        portfolio_size: spec.siteStates.length,
        property_types: ["commercial", "residential"],
        certifications: ["Certificate IV in Property Services"],
        buildings_managed: spec.siteStates.length,
        preferred_locations: [spec.address.state],
      });
    }

    out.contractors.push(...contractorsFor(ctx, org, subcontractorNames));
    ctx.orgs.push(org);
  }
  return out;
}

function technicianProfile(
  ctx: GenContext,
  rng: Rng,
  tech: DemoUser,
  brands: readonly string[],
): Row {
  const years = rng.int(2, 28);
  const expertise = [...new Set(brands)].slice(0, rng.int(1, 3));
  const level =
    years < 4 ? "apprentice" : years < 8 ? "rising_star" : years < 15 ? "trusted_expert" : "master";
  return {
    id: rng.uuid(),
    user_id: tech.id,
    headline: `Lift technician | ${expertise.join(" / ")} specialist`,
    years_experience: years,
    career_start_date: isoDate(ctx.anchorMs - years * 365 * DAY),
    primary_trade: "elevators",
    specializations: [
      ...expertise,
      rng.pick(["door_systems", "traction", "hydraulics", "controllers", "modernization"]),
    ],
    manufacturer_expertise: expertise,
    equipment_types: ["traction", "MRL traction", ...(rng.chance(0.4) ? ["hydraulic"] : [])],
    expertise_score: Math.min(100, 30 + years * 2 + rng.int(0, 15)),
    total_jobs_completed: years * rng.int(60, 140),
    first_time_fix_rate: money(rng.float(72, 96)),
    average_resolution_time_minutes: rng.int(55, 150),
    career_level: level,
    availability_status: "employed",
    profile_visibility: rng.pick(["public", "public", "employers_only"]),
    is_verified: true,
    verification_level: "identity",
  };
}

function contractorsFor(ctx: GenContext, org: DemoOrg, subcontractorNames: string[]): Row[] {
  const rng = ctx.rng(`contractors:${org.spec.slug}`);
  const spec = org.spec;
  const suburb = SUBURBS[spec.address.state][0]!;
  const rows: Row[] = [];
  const add = (c: DemoContractor, row: Row) => {
    org.contractors.push(c);
    rows.push({
      id: c.id,
      organization_id: org.id,
      user_id: c.userId,
      contact_name: c.name,
      is_active: c.isActive,
      hourly_rate: money(c.hourlyRate),
      callout_fee: money(rng.int(12, 25) * 10),
      emergency_rate_multiplier: "1.50",
      city: suburb.city,
      state: spec.address.state,
      postal_code: suburb.postcode,
      license_number: `${spec.address.state}-LM-${rng.digits(6)}`,
      license_expiry: isoDate(ctx.anchorMs + rng.int(-20, 700) * DAY),
      insurance_policy: `PL-${rng.digits(8)}`,
      insurance_expiry: isoDate(ctx.anchorMs + rng.int(30, 360) * DAY),
      rating: money(rng.float(3.6, 4.95)),
      first_time_fix_rate: money(rng.float(70, 95)),
      average_response_time_minutes: rng.int(25, 90),
      ...row,
    });
  };
  const certs = () => rng.sample([...MANUFACTURERS], rng.int(1, 3));

  if (spec.type === "service_company") {
    for (const tech of org.technicians) {
      add(
        {
          id: rng.uuid(),
          name: tech.name,
          isActive: true,
          hourlyRate: rng.int(95, 125),
          kind: "employee",
          userId: tech.id,
        },
        {
          contractor_type: "employee",
          email: tech.email,
          phone: tech.phone,
          trade_types: ["lift_mechanic"],
          specializations: ["breakdowns", "maintenance"],
          manufacturer_certifications: certs(),
          is_preferred: true,
        },
      );
    }
    const leaver = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    add(
      {
        id: rng.uuid(),
        name: leaver,
        isActive: false,
        hourlyRate: rng.int(90, 110),
        kind: "employee",
        userId: null,
      },
      {
        contractor_type: "employee",
        phone: mobile(rng),
        trade_types: ["lift_mechanic"],
        specializations: ["maintenance"],
        manufacturer_certifications: certs(),
        metadata: { note: "Left the company" },
      },
    );
    for (let i = 0; i < 3; i++) {
      const company = subcontractorNames.pop() ?? `Subcontractor ${i + 1} Pty Ltd`;
      const contact = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
      add(
        {
          id: rng.uuid(),
          name: contact,
          isActive: i < 2,
          hourlyRate: rng.int(110, 150),
          kind: "subcontractor",
          userId: null,
        },
        {
          contractor_type: "subcontractor",
          company_name: company,
          company_abn: abn(rng),
          company_license: `EC-${rng.digits(6)}`,
          email: `${slugify(contact.split(" ")[0]!)}@${slugify(company.replace(/ Pty Ltd$/, ""))}.example.com.au`,
          phone: landline(rng, "2"),
          trade_types: [i === 0 ? "door_specialist" : "lift_mechanic"],
          specializations: i === 0 ? ["door_systems"] : ["modernization", "installation"],
          manufacturer_certifications: certs(),
        },
      );
    }
  } else {
    // Building owners contract the service companies themselves (and keep their old one).
    const companies = DEMO_ORGS.filter((o) => o.type === "service_company");
    companies.forEach((company, i) => {
      add(
        {
          id: rng.uuid(),
          name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
          isActive: i < 2,
          hourlyRate: rng.int(120, 160),
          kind: "company",
          userId: null,
        },
        {
          contractor_type: "company",
          company_name: company.name,
          company_abn: abn(rng),
          email: `service@${new URL(company.website).host}`,
          phone: company.phone,
          trade_types: ["lift_maintenance"],
          specializations: ["maintenance", "breakdowns", "modernization"],
          manufacturer_certifications: [...new Set(company.brands)],
          is_preferred: i === 0,
        },
      );
    });
  }
  return rows;
}
