/**
 * Australian places for demo sites: a few real suburbs per state with their postcode,
 * approximate centre (lat/long) and some of their real street names. Street numbers and
 * building names are made up.
 */
export type StateCode = "NSW" | "VIC" | "QLD" | "WA" | "SA" | "TAS" | "ACT" | "NT";

export type Suburb = {
  city: string;
  postcode: string;
  lat: number;
  lng: number;
  streets: readonly string[];
};

export const STATE_TIMEZONES: Record<StateCode, string> = {
  NSW: "Australia/Sydney",
  ACT: "Australia/Sydney",
  VIC: "Australia/Melbourne",
  QLD: "Australia/Brisbane",
  WA: "Australia/Perth",
  SA: "Australia/Adelaide",
  TAS: "Australia/Hobart",
  NT: "Australia/Darwin",
};

/** Landline area code per state, for +61 phone numbers. */
export const STATE_AREA_CODES: Record<StateCode, string> = {
  NSW: "2",
  ACT: "2",
  VIC: "3",
  TAS: "3",
  QLD: "7",
  WA: "8",
  SA: "8",
  NT: "8",
};

export const SUBURBS: Record<StateCode, readonly Suburb[]> = {
  NSW: [
    {
      city: "Sydney",
      postcode: "2000",
      lat: -33.8688,
      lng: 151.2093,
      streets: [
        "George Street",
        "Pitt Street",
        "Kent Street",
        "Clarence Street",
        "Castlereagh Street",
        "Elizabeth Street",
      ],
    },
    {
      city: "North Sydney",
      postcode: "2060",
      lat: -33.839,
      lng: 151.207,
      streets: ["Miller Street", "Walker Street", "Berry Street", "Pacific Highway"],
    },
    {
      city: "Parramatta",
      postcode: "2150",
      lat: -33.815,
      lng: 151.0011,
      streets: ["Church Street", "Macquarie Street", "Smith Street", "George Street"],
    },
    {
      city: "Chatswood",
      postcode: "2067",
      lat: -33.7969,
      lng: 151.1803,
      streets: ["Victoria Avenue", "Help Street", "Archer Street", "Albert Avenue"],
    },
    {
      city: "Newcastle",
      postcode: "2300",
      lat: -32.9283,
      lng: 151.7817,
      streets: ["Hunter Street", "King Street", "Scott Street", "Darby Street"],
    },
    {
      city: "Wollongong",
      postcode: "2500",
      lat: -34.4278,
      lng: 150.8931,
      streets: ["Crown Street", "Burelli Street", "Market Street", "Keira Street"],
    },
  ],
  VIC: [
    {
      city: "Melbourne",
      postcode: "3000",
      lat: -37.8136,
      lng: 144.9631,
      streets: [
        "Collins Street",
        "Bourke Street",
        "Flinders Street",
        "Queen Street",
        "William Street",
        "Exhibition Street",
      ],
    },
    {
      city: "Southbank",
      postcode: "3006",
      lat: -37.823,
      lng: 144.965,
      streets: ["City Road", "Southbank Boulevard", "Sturt Street", "Power Street"],
    },
    {
      city: "Docklands",
      postcode: "3008",
      lat: -37.815,
      lng: 144.946,
      streets: ["Collins Street", "Bourke Street", "Docklands Drive", "Harbour Esplanade"],
    },
    {
      city: "Box Hill",
      postcode: "3128",
      lat: -37.819,
      lng: 145.125,
      streets: ["Whitehorse Road", "Station Street", "Carrington Road", "Nelson Road"],
    },
    {
      city: "Geelong",
      postcode: "3220",
      lat: -38.1499,
      lng: 144.3617,
      streets: ["Malop Street", "Moorabool Street", "Ryrie Street", "Little Malop Street"],
    },
  ],
  QLD: [
    {
      city: "Brisbane City",
      postcode: "4000",
      lat: -27.4698,
      lng: 153.0251,
      streets: ["Queen Street", "Adelaide Street", "Eagle Street", "Creek Street", "Ann Street"],
    },
    {
      city: "Fortitude Valley",
      postcode: "4006",
      lat: -27.457,
      lng: 153.034,
      streets: ["Ann Street", "Brunswick Street", "Wickham Street", "McLachlan Street"],
    },
    {
      city: "South Brisbane",
      postcode: "4101",
      lat: -27.481,
      lng: 153.02,
      streets: ["Grey Street", "Melbourne Street", "Merivale Street", "Russell Street"],
    },
    {
      city: "Surfers Paradise",
      postcode: "4217",
      lat: -28.0023,
      lng: 153.4145,
      streets: ["Gold Coast Highway", "Cavill Avenue", "Orchid Avenue", "Ferny Avenue"],
    },
    {
      city: "Townsville",
      postcode: "4810",
      lat: -19.259,
      lng: 146.8169,
      streets: ["Flinders Street", "Sturt Street", "Walker Street", "Stanley Street"],
    },
  ],
  WA: [
    {
      city: "Perth",
      postcode: "6000",
      lat: -31.9505,
      lng: 115.8605,
      streets: ["St Georges Terrace", "Hay Street", "Murray Street", "William Street"],
    },
    {
      city: "East Perth",
      postcode: "6004",
      lat: -31.958,
      lng: 115.873,
      streets: ["Adelaide Terrace", "Royal Street", "Wellington Street", "Plain Street"],
    },
    {
      city: "Fremantle",
      postcode: "6160",
      lat: -32.0569,
      lng: 115.7439,
      streets: ["High Street", "Market Street", "Queen Victoria Street", "Adelaide Street"],
    },
  ],
  SA: [
    {
      city: "Adelaide",
      postcode: "5000",
      lat: -34.9285,
      lng: 138.6007,
      streets: [
        "King William Street",
        "Grenfell Street",
        "Flinders Street",
        "North Terrace",
        "Currie Street",
      ],
    },
    {
      city: "North Adelaide",
      postcode: "5006",
      lat: -34.9065,
      lng: 138.593,
      streets: ["O'Connell Street", "Melbourne Street", "Tynte Street"],
    },
    {
      city: "Glenelg",
      postcode: "5045",
      lat: -34.98,
      lng: 138.516,
      streets: ["Jetty Road", "Moseley Street", "Colley Terrace"],
    },
  ],
  TAS: [
    {
      city: "Hobart",
      postcode: "7000",
      lat: -42.8821,
      lng: 147.3272,
      streets: ["Elizabeth Street", "Macquarie Street", "Collins Street", "Murray Street"],
    },
    {
      city: "Launceston",
      postcode: "7250",
      lat: -41.4332,
      lng: 147.1441,
      streets: ["Brisbane Street", "St John Street", "Charles Street", "Cameron Street"],
    },
  ],
  ACT: [
    {
      city: "Canberra City",
      postcode: "2601",
      lat: -35.2809,
      lng: 149.13,
      streets: ["London Circuit", "Northbourne Avenue", "Marcus Clarke Street", "Bunda Street"],
    },
    {
      city: "Barton",
      postcode: "2600",
      lat: -35.308,
      lng: 149.136,
      streets: ["National Circuit", "Brisbane Avenue", "Macquarie Street"],
    },
    {
      city: "Belconnen",
      postcode: "2617",
      lat: -35.239,
      lng: 149.066,
      streets: ["Benjamin Way", "Emu Bank", "College Street"],
    },
  ],
  NT: [
    {
      city: "Darwin City",
      postcode: "0800",
      lat: -12.4634,
      lng: 130.8456,
      streets: ["Smith Street", "Mitchell Street", "Cavenagh Street", "The Esplanade"],
    },
    {
      city: "Palmerston",
      postcode: "0830",
      lat: -12.486,
      lng: 130.983,
      streets: ["University Avenue", "Temple Terrace", "Chung Wah Terrace"],
    },
  ],
};

export const FIRST_NAMES = [
  "Liam",
  "Olivia",
  "Noah",
  "Charlotte",
  "Jack",
  "Amelia",
  "William",
  "Isla",
  "Oliver",
  "Mia",
  "Thomas",
  "Ava",
  "James",
  "Grace",
  "Lucas",
  "Chloe",
  "Henry",
  "Zoe",
  "Ethan",
  "Ruby",
  "Daniel",
  "Sophie",
  "Matthew",
  "Emily",
  "Priya",
  "Wei",
  "Minh",
  "Aisha",
  "Mateo",
  "Hana",
] as const;

export const LAST_NAMES = [
  "Smith",
  "Jones",
  "Williams",
  "Brown",
  "Wilson",
  "Taylor",
  "Nguyen",
  "Johnson",
  "Martin",
  "White",
  "Anderson",
  "Walker",
  "Thompson",
  "Harris",
  "Lee",
  "Ryan",
  "Kelly",
  "Campbell",
  "Chen",
  "Singh",
  "O'Brien",
  "Murphy",
  "Papadopoulos",
  "Rossi",
  "Tran",
  "Patel",
  "King",
  "Wright",
  "Clarke",
  "Hughes",
] as const;
