import type { Manufacturer } from "./equipment.ts";
import type { StateCode } from "./places.ts";

/**
 * The demo organisations. Their slugs are fixed (every demo slug starts with "demo-"): the
 * loader recognises an existing demo data set by them, and --reset deletes by them.
 */
export type DemoOrgSpec = {
  slug: string;
  name: string;
  type: "service_company" | "building_owner";
  /** Login emails are `<role>@<emailDomain>`. */
  emailDomain: string;
  codePrefix: string;
  website: string;
  address: { line1: string; city: string; state: StateCode; postcode: string };
  phone: string;
  tier: "pro" | "expert" | "enterprise";
  /** One entry per site: the state it is in. */
  siteStates: readonly StateCode[];
  /** Manufacturers this company services (weighted by repetition). */
  brands: readonly Manufacturer[];
};

export const DEMO_ORGS: readonly DemoOrgSpec[] = [
  {
    slug: "demo-harbourlift",
    name: "Harbour Lift Services",
    type: "service_company",
    emailDomain: "harbourlift.demo",
    codePrefix: "HLS",
    website: "https://harbourlift.example.com.au",
    address: { line1: "Level 4, 88 Pitt Street", city: "Sydney", state: "NSW", postcode: "2000" },
    phone: "+61 2 9251 4400",
    tier: "enterprise",
    siteStates: ["NSW", "NSW", "NSW", "NSW", "ACT", "ACT", "NT", "WA"],
    brands: ["KONE", "KONE", "Otis", "Schindler", "Mitsubishi"],
  },
  {
    slug: "demo-southerncross",
    name: "Southern Cross Elevators",
    type: "service_company",
    emailDomain: "southerncross.demo",
    codePrefix: "SCE",
    website: "https://southerncrosselevators.example.com.au",
    address: { line1: "220 Collins Street", city: "Melbourne", state: "VIC", postcode: "3000" },
    phone: "+61 3 9654 2100",
    tier: "expert",
    siteStates: ["VIC", "VIC", "VIC", "VIC", "TAS", "TAS", "SA", "SA"],
    brands: ["Schindler", "Schindler", "Otis", "TK Elevator", "KONE"],
  },
  {
    slug: "demo-sunshinevt",
    name: "Sunshine Vertical Transport",
    type: "service_company",
    emailDomain: "sunshinevt.demo",
    codePrefix: "SVT",
    website: "https://sunshinevt.example.com.au",
    address: { line1: "145 Eagle Street", city: "Brisbane City", state: "QLD", postcode: "4000" },
    phone: "+61 7 3221 8800",
    tier: "pro",
    siteStates: ["QLD", "QLD", "QLD", "QLD", "NT", "WA", "WA", "NSW"],
    brands: ["TK Elevator", "TK Elevator", "Mitsubishi", "Otis", "KONE"],
  },
  {
    slug: "demo-pinnacle",
    name: "Pinnacle Property Group",
    type: "building_owner",
    emailDomain: "pinnacleproperty.demo",
    codePrefix: "PPG",
    website: "https://pinnacleproperty.example.com.au",
    address: { line1: "1 Macquarie Place", city: "Sydney", state: "NSW", postcode: "2000" },
    phone: "+61 2 8224 7000",
    tier: "enterprise",
    siteStates: ["NSW", "NSW", "VIC", "QLD"],
    brands: ["KONE", "Otis", "Schindler"],
  },
  {
    slug: "demo-baysidestrata",
    name: "Bayside Strata Management",
    type: "building_owner",
    emailDomain: "baysidestrata.demo",
    codePrefix: "BSM",
    website: "https://baysidestrata.example.com.au",
    address: { line1: "12 Jetty Road", city: "Glenelg", state: "SA", postcode: "5045" },
    phone: "+61 8 8294 3300",
    tier: "pro",
    siteStates: ["SA", "SA", "VIC", "TAS"],
    brands: ["Schindler", "TK Elevator", "KONE"],
  },
  {
    slug: "demo-westcoastassets",
    name: "West Coast Asset Partners",
    type: "building_owner",
    emailDomain: "westcoastassets.demo",
    codePrefix: "WCA",
    website: "https://westcoastassets.example.com.au",
    address: { line1: "240 St Georges Terrace", city: "Perth", state: "WA", postcode: "6000" },
    phone: "+61 8 9322 5500",
    tier: "expert",
    siteStates: ["WA", "WA", "NT", "QLD"],
    brands: ["Mitsubishi", "Otis", "TK Elevator"],
  },
];

export const DEMO_ORG_SLUGS: readonly string[] = DEMO_ORGS.map((o) => o.slug);

export { DEMO_EMAIL_SUFFIX, DEMO_PASSWORD } from "../../../../shared/demo.ts";

export const ROLES = [
  "owner",
  "admin",
  "manager",
  "user",
  "technician",
  "readonly",
  "guest",
] as const;
export type DemoRole = (typeof ROLES)[number];

/** Extra technicians per service company on top of `technician@`. */
export const EXTRA_TECHNICIANS = 3;

export const TOTAL_WORK_ORDERS = 300;
