import { Parser } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../server/forum/markdown.ts";
import { markedSnippet } from "../server/forum/search.ts";

/** XSS vectors (OWASP's filter evasion cheat sheet and friends) through the forum renderer. */
const VECTORS = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
  "<img src=x onerror=alert(1)>",
  "<IMG SRC=\"javascript:alert('XSS');\">",
  "<svg/onload=alert(1)>",
  "<iframe src=javascript:alert(1)></iframe>",
  '<a href="javascript:alert(1)">x</a>',
  "[click](javascript:alert(1))",
  "[click](JaVaScRiPt:alert(1))",
  "[click](java\tscript:alert(1))",
  "[click](&#106;avascript:alert(1))",
  "[click](vbscript:msgbox(1))",
  "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "![img](javascript:alert(1))",
  "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
  '![x](https://ok.example/a.png" onerror="alert(1))',
  '[x](https://ok.example/" onmouseover="alert(1))',
  '<div style="background:url(javascript:alert(1))">x</div>',
  "<body onload=alert(1)>",
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  "<<script>script>alert(1)<</script>/script>",
  "```html\n<script>alert(1)</script>\n```",
  "`<img src=x onerror=alert(1)>`",
  "<details open ontoggle=alert(1)>",
  "[x](//evil.example/path)",
  "<object data=javascript:alert(1)>",
  "<form action=javascript:alert(1)><button>x</button></form>",
  "> <script>alert(1)</script>",
  "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
];

const ALLOWED = [
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
].concat([
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
]);

describe("forum Markdown → sanitised HTML", () => {
  it.each(VECTORS)("no script survives %j", (source) => {
    // Parsed as a browser would: every element and attribute of the output is checked.
    const elements: Array<{ name: string; attribs: Record<string, string> }> = [];
    const parser = new Parser({ onopentag: (name, attribs) => elements.push({ name, attribs }) });
    parser.write(renderMarkdown(source));
    parser.end();
    for (const { name, attribs } of elements) {
      expect(ALLOWED, name).toContain(name);
      for (const [attr, value] of Object.entries(attribs)) {
        expect(attr, `${name}[${attr}]`).not.toMatch(/^on/i);
        expect([
          "href",
          "src",
          "title",
          "alt",
          "rel",
          "target",
          "class",
          "style",
          "start",
        ]).toContain(attr);
        if (attr === "href" || attr === "src") {
          expect(value.trim(), `${name}[${attr}]`).toMatch(/^(https?:\/\/|mailto:|\/(?!\/)|#)/i);
        }
        if (attr === "style") expect(value).toMatch(/^text-align:(left|right|center)$/);
      }
    }
  });

  it("keeps what Markdown is for, with safe links", () => {
    expect(renderMarkdown("**b** _i_ `c`")).toBe(
      "<p><strong>b</strong> <em>i</em> <code>c</code></p>",
    );
    expect(renderMarkdown("[docs](https://kone.example/m)")).toBe(
      '<p><a href="https://kone.example/m" rel="nofollow ugc noopener noreferrer" target="_blank">docs</a></p>',
    );
    expect(renderMarkdown("![lift](https://img.example/l.png)")).toBe(
      '<p><img src="https://img.example/l.png" alt="lift" /></p>',
    );
    expect(renderMarkdown("- a\n- b")).toBe("<ul>\n<li>a</li>\n<li>b</li>\n</ul>");
  });

  it("search snippets escape the content and only mark the matches", () => {
    expect(markedSnippet("a <b>x</b> \u0002door\u0003 & <script>")).toBe(
      "a &lt;b&gt;x&lt;/b&gt; <mark>door</mark> &amp; &lt;script&gt;",
    );
  });
});
