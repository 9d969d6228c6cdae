import escapeHtml from "escape-html";
import { LinkifyIt } from "linkify-it";
import sanitizeHtml from "sanitize-html";

/**
 * Messages are stored as plain text. For display, `content_html` is that text as HTML:
 * every character escaped, web and e-mail addresses made links (linkify-it), line breaks
 * kept, and the result passed through sanitize-html with an allowlist of `a` (http, https,
 * mailto only; rel/target fixed) and `br`, so nothing else, and no script, can survive
 * even if the building step above had a bug.
 */
const linkify = new LinkifyIt({ fuzzyEmail: true, fuzzyLink: true });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ["a", "br"],
  allowedAttributes: { a: ["href", "rel", "target"] },
  allowedSchemes: ["http", "https", "mailto"],
  allowProtocolRelative: false,
  disallowedTagsMode: "escape",
  transformTags: {
    a: sanitizeHtml.simpleTransform("a", {
      rel: "noopener noreferrer nofollow ugc",
      target: "_blank",
    }),
  },
};

const text = (s: string) => escapeHtml(s).replaceAll(/\r\n|\r|\n/g, "<br>");

export function renderMessageHtml(content: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const match of linkify.match(content) ?? []) {
    if (!/^(https?|mailto):/i.test(match.url)) continue;
    parts.push(text(content.slice(at, match.index)));
    parts.push(`<a href="${escapeHtml(match.url)}">${escapeHtml(match.text)}</a>`);
    at = match.lastIndex;
  }
  parts.push(text(content.slice(at)));
  return sanitizeHtml(parts.join(""), SANITIZE);
}
