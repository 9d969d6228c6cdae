/**
 * Plain-text helpers shared by the lexical embedding and the diagnosis ranking. English
 * stop words carry no meaning for matching faults; fault codes and model numbers do, so
 * digits are kept.
 */
const STOP_WORDS = new Set(
  (
    "a an and are as at be but by for from has have in into is it its of on or that the " +
    "then there these this to was were will with not no after before when while"
  ).split(" "),
);

/** Lower-cased word tokens (letters and digits), stop words removed. */
export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize("NFKD")
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((w) => !STOP_WORDS.has(w));
}

/** Jaccard similarity of two sets (0 when both are empty). */
export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** A phrase's comparable form: its words joined by single spaces. */
export const normalise = (text: string): string => words(text).join(" ");
