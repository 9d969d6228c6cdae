import Bowser from "bowser";

export type Device = {
  browser: string | null;
  os: string | null;
  device_type: string | null;
  device_name: string | null;
};

const clip = (v: string | null, max: number) => (v ? v.slice(0, max) : null);

/**
 * What a session's user agent says about the device, for GET /me/sessions (so a person
 * recognises "Firefox on Linux" rather than a raw header). Anything unrecognised stays
 * null; an unparseable header never fails a login. Lengths fit the seed's columns.
 */
export function deviceOf(userAgent: string | null): Device {
  const empty: Device = { browser: null, os: null, device_type: null, device_name: null };
  if (!userAgent?.trim()) return empty;
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(userAgent);
  } catch {
    return empty;
  }
  const browserName = parsed.browser.name ?? null;
  const browser = browserName
    ? [browserName, parsed.browser.version?.split(".")[0]].filter(Boolean).join(" ")
    : null;
  const os = parsed.os.name
    ? [parsed.os.name, parsed.os.versionName].filter(Boolean).join(" ")
    : null;
  const deviceName =
    browserName && parsed.os.name
      ? `${browserName} on ${parsed.os.name}`
      : (browserName ?? parsed.os.name ?? userAgent.split(/[\s/]/)[0] ?? null);
  return {
    browser: clip(browser, 100),
    os: clip(os, 100),
    device_type: clip(parsed.platform.type ?? null, 50),
    device_name: clip(deviceName, 255),
  };
}
