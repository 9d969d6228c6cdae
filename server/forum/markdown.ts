import MarkdownIt from "markdown-it";
import sanitizeHtml from "sanitize-html";

/**
 * Forum Markdown → HTML that is safe to insert into a page (docs/forums.md#content).
 *
 * Two layers, each enough on its own for what it covers:
 * 1. markdown-it with `html: false`: raw HTML in the source is escaped, never passed
 *    through, and its link validator refuses javascript:, vbscript:, file: and data: URLs
 *    (except data:image/…, which the sanitiser below then drops).
 * 2. sanitize-html over the result with an allowlist: only the tags Markdown produces,
 *    only href/src/title/alt, code-language classes and table-cell alignment, only http(s)
 *    and mailto URLs or relative links (never protocol-relative `//host`), images over
 *    http(s) only. Every link gets rel="nofollow ugc noopener noreferrer" and opens in a
 *    new tab.
 * So no script, event handler, style, iframe or javascript: URL can survive whatever the
 * source holds (test/forum-markdown.test.ts runs the usual XSS vectors through it).
 */
const markdown = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });

const ALLOWED_TAGS = [
  "p",
  "br",
  "hr",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "ul",
  "ol",
  "li",
  "strong",
  "em",
  "s",
  "code",
  "pre",
  "a",
  "img",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
];

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ["href", "title", "rel", "target"],
    img: ["src", "alt", "title"],
    code: ["class"],
    th: ["style"],
    td: ["style"],
    ol: ["start"],
  },
  allowedClasses: { code: [/^language-[\w-]+$/] },
  // Table cells keep markdown-it's alignment and nothing else.
  allowedStyles: { "*": { "text-align": [/^(left|right|center)$/] } },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https"] },
  allowedSchemesAppliedToAttributes: ["href", "src"],
  allowProtocolRelative: false,
  disallowedTagsMode: "escape",
  transformTags: {
    a: sanitizeHtml.simpleTransform("a", {
      rel: "nofollow ugc noopener noreferrer",
      target: "_blank",
    }),
  },
  // An image whose URL was dropped (or was relative) is not kept as an empty shell; a link
  // without one keeps its text.
  exclusiveFilter: (frame) => frame.tag === "img" && !/^https?:/i.test(frame.attribs.src ?? ""),
};

export function renderMarkdown(source: string): string {
  return sanitizeHtml(markdown.render(source), SANITIZE).trim();
}
