import slugify from "slugify";

/**
 * URL slug of a title or name: lower-case ASCII words joined by dashes ("Door won't close
 * – KONE" → "door-wont-close-kone"), at most `max` characters, never empty.
 */
export function slugOf(title: string, max: number, fallback = "thread"): string {
  const slug = slugify(title, { lower: true, strict: true, trim: true })
    .slice(0, max)
    .replace(/-+$/, "");
  return slug || fallback;
}
