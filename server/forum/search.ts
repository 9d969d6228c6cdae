import escapeHtml from "escape-html";

/**
 * Search hits as the API answers them: the headline Postgres marked with \u0002…\u0003
 * (server/db/forum.ts) becomes escaped text with <mark>…</mark> around the matches, so
 * nothing of the content can turn into markup.
 */
export function markedSnippet(headline: string): string {
  return escapeHtml(headline)
    .replaceAll("\u0002", "<mark>")
    .replaceAll("\u0003", "</mark>")
    .replace(/\s+/g, " ")
    .trim();
}

export function searchHits<H extends { headline: string }>(hits: readonly H[]) {
  return hits.map(({ headline, ...hit }) => ({ ...hit, snippet_html: markedSnippet(headline) }));
}
