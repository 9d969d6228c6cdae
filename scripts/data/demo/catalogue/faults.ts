import type { Manufacturer } from "./equipment.ts";

/**
 * The fault catalogue behind breakdown and callback work orders. Each manufacturer's fault
 * code always means the same fault: one title, a fixed set of symptoms, and a few possible
 * root causes, each with its own resolution. A work order draws one cause, so the data set
 * is consistent enough to learn "code + symptoms → likely cause → fix" from (a later issue
 * trains fault diagnosis on it).
 *
 * The codes are ILLUSTRATIVE: each manufacturer's numbering style is imitated, but these
 * are not official fault tables and must not be used on real equipment.
 */
export type FaultCause = {
  rootCause: string;
  resolution: string;
  resolutionType: string;
  parts: readonly string[];
  partsCost: readonly [number, number];
  labourHours: readonly [number, number];
  weight: number;
};

export type Fault = {
  manufacturer: Manufacturer;
  code: string;
  title: string;
  symptoms: readonly string[];
  causes: readonly FaultCause[];
  /** How often this fault shows up relative to the manufacturer's others. */
  weight: number;
};

type CauseSpec = [
  rootCause: string,
  resolution: string,
  resolutionType: string,
  parts: readonly string[],
  partsCost: readonly [number, number],
  labourHours: readonly [number, number],
  weight: number,
];

function fault(
  manufacturer: Manufacturer,
  code: string,
  title: string,
  symptoms: readonly string[],
  causes: readonly CauseSpec[],
  weight = 1,
): Fault {
  return {
    manufacturer,
    code,
    title,
    symptoms,
    weight,
    causes: causes.map(
      ([rootCause, resolution, resolutionType, parts, partsCost, labourHours, w]) => ({
        rootCause,
        resolution,
        resolutionType,
        parts,
        partsCost,
        labourHours,
        weight: w,
      }),
    ),
  };
}

const NONE: readonly string[] = [];

export const FAULTS: readonly Fault[] = [
  // KONE (KCE/LCE style four-digit codes)
  fault(
    "KONE",
    "0001",
    "Door lock circuit open",
    ["car stops at floor", "doors won't close", "lift out of service with car at landing"],
    [
      [
        "Landing door lock contact misaligned",
        "Realigned door lock, cleaned contacts, tested safety circuit on all floors",
        "adjusted",
        NONE,
        [0, 0],
        [1, 2],
        5,
      ],
      [
        "Worn landing door lock roller",
        "Replaced door lock roller and adjusted coupler engagement",
        "replaced_part",
        ["landing door lock roller"],
        [85, 160],
        [1.5, 3],
        3,
      ],
      [
        "Debris in landing door sill obstructing lock",
        "Cleared debris from sill track, cleaned and tested lock engagement",
        "cleaned",
        NONE,
        [0, 0],
        [0.5, 1.5],
        2,
      ],
    ],
    3,
  ),
  fault(
    "KONE",
    "0015",
    "Door opening time exceeded",
    ["doors open slowly", "doors reopen repeatedly", "car delayed at floor"],
    [
      [
        "Door operator belt stretched",
        "Replaced door operator belt and re-learned door profile",
        "replaced_part",
        ["door operator belt"],
        [120, 220],
        [1.5, 2.5],
        4,
      ],
      [
        "Car door gib worn and dragging in sill",
        "Replaced car door gibs and adjusted door panel clearances",
        "replaced_part",
        ["door gib set"],
        [60, 140],
        [2, 3],
        3,
      ],
    ],
    2,
  ),
  fault(
    "KONE",
    "0024",
    "Drive overcurrent (V3F inverter)",
    ["lift stops between floors", "loud clunk on start", "passengers trapped briefly"],
    [
      [
        "Brake not fully lifting, dragging on start",
        "Adjusted brake air gap, replaced brake lining, tested brake torque",
        "replaced_part",
        ["brake lining set"],
        [320, 640],
        [3, 5],
        4,
      ],
      [
        "Failed IGBT module in drive",
        "Replaced drive power module, ran motor identification",
        "replaced_part",
        ["V3F drive power module"],
        [2400, 4200],
        [4, 6],
        2,
      ],
    ],
    2,
  ),
  fault(
    "KONE",
    "0071",
    "Car overload signal active",
    ["overload buzzer sounds with few passengers", "doors stay open", "lift will not depart"],
    [
      [
        "Load weighing sensor out of calibration",
        "Recalibrated load weighing device with test weights",
        "adjusted",
        NONE,
        [0, 0],
        [1.5, 3],
        5,
      ],
      [
        "Damaged load weighing sensor cable",
        "Replaced load weighing sensor and cable, recalibrated",
        "replaced_part",
        ["load weighing sensor"],
        [380, 720],
        [2, 3.5],
        2,
      ],
    ],
  ),
  fault(
    "KONE",
    "0120",
    "Landing position lost (shaft information)",
    [
      "car levels unevenly",
      "lift runs to terminal floor to re-synchronise",
      "tripping hazard at landing",
    ],
    [
      [
        "Dirty or misaligned door zone magnet",
        "Cleaned and realigned door zone magnets, ran correction drive",
        "adjusted",
        NONE,
        [0, 0],
        [1, 2],
        4,
      ],
      [
        "Faulty door zone sensor",
        "Replaced door zone sensor and verified levelling on all floors",
        "replaced_part",
        ["door zone sensor"],
        [260, 480],
        [1.5, 2.5],
        3,
      ],
    ],
  ),
  fault(
    "KONE",
    "0202",
    "Safety circuit open (car top)",
    [
      "lift dead, no response to calls",
      "car stopped mid-travel",
      "alarm button pressed by passengers",
    ],
    [
      [
        "Car top stop switch left in stop position after maintenance",
        "Reset car top stop switch, reviewed maintenance sign-off with crew",
        "reset",
        NONE,
        [0, 0],
        [0.5, 1],
        3,
      ],
      [
        "Slack rope switch tripped by worn actuator",
        "Replaced slack rope switch actuator and tested safety chain",
        "replaced_part",
        ["slack rope switch"],
        [140, 260],
        [1.5, 3],
        2,
      ],
    ],
  ),

  // Otis (GeN2 event-log style)
  fault(
    "Otis",
    "DS-0602",
    "Door close failure (DCS)",
    ["doors won't close", "doors bounce at closing", "nudging buzzer sounds"],
    [
      [
        "Light curtain misaligned",
        "Realigned and tested light curtain, cleaned lenses",
        "adjusted",
        NONE,
        [0, 0],
        [1, 1.5],
        5,
      ],
      [
        "Failed light curtain receiver",
        "Replaced light curtain pair and tested reopening",
        "replaced_part",
        ["light curtain set"],
        [650, 1100],
        [1.5, 2.5],
        3,
      ],
    ],
    3,
  ),
  fault(
    "Otis",
    "DW-0204",
    "Door lock bypass detected (DW)",
    ["lift out of service", "car held at landing", "door lock fault on event log"],
    [
      [
        "Hoistway door interlock contact bridged by carbon build-up",
        "Cleaned interlock contacts, verified door lock monitoring",
        "cleaned",
        NONE,
        [0, 0],
        [1, 2],
        4,
      ],
      [
        "Interlock contact block cracked",
        "Replaced hoistway door interlock and tested door lock monitoring",
        "replaced_part",
        ["hoistway door interlock"],
        [210, 390],
        [2, 3],
        3,
      ],
    ],
    2,
  ),
  fault(
    "Otis",
    "BR-0711",
    "Brake switch fault",
    ["lift will not start", "car stops after one trip", "clicking from machine on start"],
    [
      [
        "Brake switch out of adjustment",
        "Adjusted brake switch, checked brake lift and drop timing",
        "adjusted",
        NONE,
        [0, 0],
        [1, 2],
        5,
      ],
      [
        "Brake switch microswitch failed",
        "Replaced brake monitoring switch and tested",
        "replaced_part",
        ["brake microswitch"],
        [90, 180],
        [1.5, 2.5],
        2,
      ],
    ],
    2,
  ),
  fault(
    "Otis",
    "BT-0510",
    "Belt monitoring (PULSE) alert",
    ["PULSE alarm on controller", "lift locked out by belt monitor"],
    [
      [
        "Coated steel belt cord degradation detected",
        "Replaced coated steel belts, set tension, reset PULSE monitor",
        "replaced_part",
        ["coated steel belt set"],
        [4200, 7800],
        [8, 14],
        2,
      ],
      [
        "Loose PULSE sensor connection",
        "Re-terminated PULSE monitoring leads, reset and verified readings",
        "repaired",
        NONE,
        [0, 0],
        [1, 2],
        3,
      ],
    ],
  ),
  fault(
    "Otis",
    "DR-0305",
    "Drive overtemperature",
    [
      "lift slows then shuts down on hot days",
      "fan noise from controller",
      "intermittent out of service in afternoon",
    ],
    [
      [
        "Blocked heatsink and failed drive fan",
        "Replaced drive cooling fan, cleaned heatsink",
        "replaced_part",
        ["drive cooling fan"],
        [140, 260],
        [1, 2],
        4,
      ],
      [
        "Machine space ventilation inadequate",
        "Cleaned controller filters and advised building to service machine room ventilation",
        "temporary_fix",
        NONE,
        [0, 0],
        [1, 1.5],
        2,
      ],
    ],
  ),
  fault(
    "Otis",
    "LV-0401",
    "Levelling error (LV)",
    ["car stops above or below floor", "tripping hazard at landing", "passengers complain of step"],
    [
      [
        "Hydraulic valve needs adjustment",
        "Adjusted down-levelling valve, checked oil temperature",
        "adjusted",
        NONE,
        [0, 0],
        [1.5, 2.5],
        3,
      ],
      [
        "Levelling sensor vane loose",
        "Secured levelling vane and re-learned floor table",
        "repaired",
        NONE,
        [0, 0],
        [1, 2],
        3,
      ],
    ],
  ),

  // Schindler (Miconic BX style)
  fault(
    "Schindler",
    "E-1006",
    "Door lock circuit interrupted",
    ["doors won't close", "car stays at floor with doors open", "lift out of service"],
    [
      [
        "Landing door lock contact misaligned after door impact",
        "Realigned landing door lock and contact, tested all landings",
        "adjusted",
        NONE,
        [0, 0],
        [1, 2],
        5,
      ],
      [
        "Broken door lock spring",
        "Replaced door lock spring and tested lock engagement",
        "replaced_part",
        ["door lock spring kit"],
        [45, 95],
        [1, 2],
        2,
      ],
    ],
    3,
  ),
  fault(
    "Schindler",
    "E-1513",
    "Door reversal (DOL) timeout",
    ["doors reopen repeatedly", "doors won't close", "nudging buzzer"],
    [
      [
        "Dirty door safety edge sensor",
        "Cleaned and tested door safety edge, checked cable run",
        "cleaned",
        NONE,
        [0, 0],
        [0.5, 1.5],
        4,
      ],
      [
        "Door drive belt slipping",
        "Replaced door drive belt and re-learned door width",
        "replaced_part",
        ["door drive belt"],
        [110, 210],
        [1.5, 2.5],
        3,
      ],
    ],
    2,
  ),
  fault(
    "Schindler",
    "E-0307",
    "Frequency converter fault (VF)",
    ["lift stops between floors", "passengers trapped", "controller shows VF error"],
    [
      [
        "DC link capacitor degraded",
        "Replaced frequency converter, parameterised and test ran",
        "replaced_part",
        ["frequency converter"],
        [2800, 4600],
        [4, 6],
        2,
      ],
      [
        "Loose motor phase terminal",
        "Re-terminated motor phases, torqued connections, test ran",
        "repaired",
        NONE,
        [0, 0],
        [1.5, 3],
        3,
      ],
    ],
    2,
  ),
  fault(
    "Schindler",
    "E-2205",
    "Travel time limit exceeded",
    ["car stops between floors", "lift slow to start", "out of service after long run"],
    [
      [
        "Rope traction reduced by worn sheave",
        "Replaced traction sheave and balanced counterweight",
        "replaced_part",
        ["traction sheave"],
        [1800, 3200],
        [8, 12],
        1,
      ],
      [
        "Brake partially lifting",
        "Adjusted brake, replaced brake spring, tested brake torque",
        "replaced_part",
        ["brake spring set"],
        [120, 240],
        [2, 4],
        3,
      ],
    ],
  ),
  fault(
    "Schindler",
    "E-0420",
    "Shaft information (CLSD) fault",
    ["car levels unevenly", "lift runs slowly to terminal floor", "position lost on display"],
    [
      [
        "Dirty shaft tape on positioning system",
        "Cleaned shaft information tape and sensor head, resynchronised",
        "cleaned",
        NONE,
        [0, 0],
        [1, 2],
        4,
      ],
      [
        "Failed positioning sensor head",
        "Replaced positioning sensor head and ran learning trip",
        "replaced_part",
        ["shaft positioning sensor"],
        [480, 860],
        [2, 3],
        2,
      ],
    ],
  ),
  fault(
    "Schindler",
    "E-3101",
    "Destination terminal offline (PORT)",
    ["PORT terminal shows out of order", "hall calls not registered on one floor"],
    [
      [
        "PORT terminal lost network connection",
        "Re-terminated network cable, restarted terminal, verified calls",
        "repaired",
        NONE,
        [0, 0],
        [1, 2],
        4,
      ],
      [
        "Failed PORT terminal touchscreen",
        "Replaced PORT terminal and configured floor",
        "replaced_part",
        ["PORT destination terminal"],
        [1400, 2600],
        [2, 3],
        2,
      ],
    ],
  ),

  // TK Elevator (TCM style)
  fault(
    "TK Elevator",
    "F-23",
    "Safety circuit interrupted at door",
    ["doors won't close", "car stays at floor", "lift out of service"],
    [
      [
        "Landing door contact out of adjustment",
        "Adjusted landing door contact and tested safety circuit",
        "adjusted",
        NONE,
        [0, 0],
        [1, 2],
        5,
      ],
      [
        "Door coupler vanes misaligned with landing rollers",
        "Realigned door coupler and tested all landings",
        "adjusted",
        NONE,
        [0, 0],
        [1.5, 2.5],
        3,
      ],
    ],
    3,
  ),
  fault(
    "TK Elevator",
    "F-41",
    "Inverter fault (motor current)",
    ["lift stops between floors", "jerky start", "passengers trapped"],
    [
      [
        "Encoder signal noise on motor feedback",
        "Replaced motor encoder cable, rerouted away from power cables",
        "replaced_part",
        ["encoder cable"],
        [90, 180],
        [2, 3],
        4,
      ],
      [
        "Failed motor encoder",
        "Replaced motor encoder and ran motor tuning",
        "replaced_part",
        ["motor encoder"],
        [650, 1200],
        [3, 5],
        2,
      ],
    ],
    2,
  ),
  fault(
    "TK Elevator",
    "F-57",
    "Door motor overload",
    ["doors open slowly", "door motor hot to touch", "doors stop half open"],
    [
      [
        "Landing door hanger rollers worn",
        "Replaced door hanger rollers on affected landing",
        "replaced_part",
        ["door hanger roller set"],
        [140, 280],
        [2, 3],
        4,
      ],
      [
        "Door track obstructed",
        "Cleaned door track and sill, lubricated hangers",
        "cleaned",
        NONE,
        [0, 0],
        [1, 1.5],
        3,
      ],
    ],
    2,
  ),
  fault(
    "TK Elevator",
    "F-12",
    "Hydraulic oil overtemperature",
    ["lift goes out of service after heavy use", "slow upward travel", "hot smell in machine room"],
    [
      [
        "Oil cooler fan failed",
        "Replaced oil cooler fan and checked oil condition",
        "replaced_part",
        ["oil cooler fan"],
        [420, 780],
        [2, 3],
        3,
      ],
      [
        "Low oil level from valve seep",
        "Resealed valve block and topped up hydraulic oil",
        "repaired",
        ["hydraulic oil 20L", "valve seal kit"],
        [180, 340],
        [2, 4],
        3,
      ],
    ],
  ),
  fault(
    "TK Elevator",
    "F-88",
    "Car position deviation",
    ["car stops above or below floor", "tripping hazard at landing", "lift re-levels repeatedly"],
    [
      [
        "Absolute encoder tape dirty",
        "Cleaned absolute encoder tape and re-learned shaft",
        "cleaned",
        NONE,
        [0, 0],
        [1, 2],
        4,
      ],
      [
        "Rope stretch on older installation",
        "Shortened suspension ropes and re-learned floor positions",
        "adjusted",
        NONE,
        [0, 0],
        [4, 6],
        1,
      ],
    ],
  ),

  // Mitsubishi (ΣAI / E-code style)
  fault(
    "Mitsubishi",
    "E10",
    "Door close fault",
    ["doors won't close", "doors reopen repeatedly", "car held at floor"],
    [
      [
        "Multi-beam door sensor misaligned",
        "Realigned and cleaned multi-beam door sensor",
        "adjusted",
        NONE,
        [0, 0],
        [1, 1.5],
        5,
      ],
      [
        "Door sill guide shoe broken",
        "Replaced door sill guide shoes on car door",
        "replaced_part",
        ["door guide shoe set"],
        [60, 120],
        [1.5, 2.5],
        3,
      ],
    ],
    3,
  ),
  fault(
    "Mitsubishi",
    "E30",
    "Inverter overcurrent",
    ["lift stops between floors", "loud clunk on stop", "passengers trapped"],
    [
      [
        "Brake lining worn causing drag",
        "Replaced brake linings, adjusted brake gap",
        "replaced_part",
        ["brake lining set"],
        [380, 700],
        [3, 5],
        3,
      ],
      [
        "Inverter control board fault",
        "Replaced inverter control board, parameters restored",
        "replaced_part",
        ["inverter control board"],
        [1900, 3400],
        [3, 5],
        2,
      ],
    ],
    2,
  ),
  fault(
    "Mitsubishi",
    "E52",
    "Overspeed governor switch operated",
    [
      "lift dead, no response to calls",
      "car stopped mid-travel",
      "governor switch tripped on inspection",
    ],
    [
      [
        "Governor switch tripped by vibration, no overspeed",
        "Reset governor switch, checked governor rope and tension weight",
        "reset",
        NONE,
        [0, 0],
        [1, 2],
        4,
      ],
      [
        "Governor tension pulley bearing worn",
        "Replaced governor tension pulley bearing and reset switch",
        "replaced_part",
        ["governor tension pulley bearing"],
        [160, 320],
        [2, 4],
        2,
      ],
    ],
  ),
  fault(
    "Mitsubishi",
    "E71",
    "Group control communication error",
    ["hall calls not answered on some floors", "one car ignores hall calls", "long waiting times"],
    [
      [
        "Loose communication connector between car and group controller",
        "Reseated and secured group control communication connectors",
        "repaired",
        NONE,
        [0, 0],
        [1, 2],
        4,
      ],
      [
        "Failed group control communication board",
        "Replaced communication board, tested group dispatching",
        "replaced_part",
        ["group communication board"],
        [900, 1600],
        [2, 3],
        2,
      ],
    ],
  ),
  fault(
    "Mitsubishi",
    "E84",
    "Car levelling error",
    ["car stops above or below floor", "tripping hazard at landing"],
    [
      [
        "Levelling plate bracket loose",
        "Secured levelling plate bracket and verified levelling on all floors",
        "repaired",
        NONE,
        [0, 0],
        [1, 2],
        4,
      ],
      [
        "Levelling sensor faulty",
        "Replaced levelling sensor and re-learned floors",
        "replaced_part",
        ["levelling sensor"],
        [280, 520],
        [1.5, 2.5],
        2,
      ],
    ],
  ),
];

export function faultsFor(manufacturer: Manufacturer): Fault[] {
  return FAULTS.filter((f) => f.manufacturer === manufacturer);
}

/**
 * Planned (non-fault) work: titles and the resolution written when it is done. Keyed by
 * work order type; breakdowns and callbacks come from FAULTS instead.
 */
export type PlannedWork = {
  title: string;
  resolution: string;
  resolutionType: string;
  partsCost: readonly [number, number];
  labourHours: readonly [number, number];
};

export const PLANNED_WORK: Record<
  "preventive" | "inspection" | "installation" | "modernization" | "audit",
  readonly PlannedWork[]
> = {
  preventive: [
    {
      title: "Monthly preventive maintenance",
      resolution:
        "Completed monthly maintenance schedule: lubricated guides, checked doors, brake and safety gear, tested alarm and intercom",
      resolutionType: "maintenance_completed",
      partsCost: [0, 60],
      labourHours: [1, 2],
    },
    {
      title: "Quarterly preventive maintenance",
      resolution:
        "Completed quarterly schedule: inspected ropes/belts, governor, buffers and door equipment, cleaned pit and car top",
      resolutionType: "maintenance_completed",
      partsCost: [0, 150],
      labourHours: [2, 4],
    },
    {
      title: "Door equipment service",
      resolution: "Serviced car and landing door equipment, adjusted door timings and clearances",
      resolutionType: "maintenance_completed",
      partsCost: [0, 120],
      labourHours: [1.5, 3],
    },
  ],
  inspection: [
    {
      title: "Annual safety inspection (AS 1735)",
      resolution: "Annual inspection passed; certificate issued",
      resolutionType: "passed",
      partsCost: [0, 0],
      labourHours: [2, 4],
    },
    {
      title: "Annual safety inspection with load test",
      resolution: "Load test and safety gear test passed; minor defects logged for follow-up",
      resolutionType: "passed_with_defects",
      partsCost: [0, 0],
      labourHours: [3, 5],
    },
    {
      title: "Emergency communication (autodialler) test",
      resolution: "Emergency phone tested to monitoring centre; working",
      resolutionType: "passed",
      partsCost: [0, 0],
      labourHours: [0.5, 1],
    },
  ],
  installation: [
    {
      title: "Install new passenger lift",
      resolution: "New lift installed, commissioned and handed over with registration documents",
      resolutionType: "installed",
      partsCost: [85000, 140000],
      labourHours: [320, 480],
    },
    {
      title: "Install destination dispatch terminals",
      resolution: "Destination terminals installed on all floors and integrated with group control",
      resolutionType: "installed",
      partsCost: [18000, 32000],
      labourHours: [60, 100],
    },
  ],
  modernization: [
    {
      title: "Controller modernisation",
      resolution:
        "Replaced relay/legacy controller with new microprocessor controller and drive; commissioned and tested",
      resolutionType: "upgraded",
      partsCost: [42000, 68000],
      labourHours: [120, 200],
    },
    {
      title: "Door equipment upgrade",
      resolution: "Replaced car and landing door operators and light curtains",
      resolutionType: "upgraded",
      partsCost: [12000, 22000],
      labourHours: [40, 70],
    },
    {
      title: "Car interior refurbishment and COP upgrade",
      resolution:
        "New car operating panel with accessible buttons and voice announcement; interior refurbished",
      resolutionType: "upgraded",
      partsCost: [9000, 16000],
      labourHours: [30, 50],
    },
  ],
  audit: [
    {
      title: "Maintenance quality audit",
      resolution: "Audit complete: maintenance logbook and site condition satisfactory",
      resolutionType: "audit_completed",
      partsCost: [0, 0],
      labourHours: [1, 2],
    },
    {
      title: "Compliance and risk audit",
      resolution: "Audit complete: two low-risk items recommended for next budget cycle",
      resolutionType: "audit_completed",
      partsCost: [0, 0],
      labourHours: [2, 3],
    },
  ],
};
