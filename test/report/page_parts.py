"""What the report page holds.  page_parts.py PAGE PART | --self-contained

PART (scores, lift, gains, funnel, dna): the page's <section id=PART> holds
inline SVG (three cards for dna), each with at least 20 drawn elements.
--self-contained: nothing in the page refers outside it: no script, link,
img, iframe, object or embed element, no src attribute, every href a
fragment (#...), no url() but url(#...), no @import."""
import html.parser
import re
import sys

DRAWN = {"path", "rect", "circle", "line", "polyline", "polygon", "text", "use", "ellipse"}
FOREIGN = {"script", "link", "img", "iframe", "object", "embed", "image", "audio", "video", "source"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.section = None
        self.depth = 0
        self.svgs = {}      # section id -> [drawn elements per svg]
        self.in_svg = False
        self.outside = []   # what refers outside the page

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.section = attrs.get("id")
        elif tag == "svg" and self.section:
            self.svgs.setdefault(self.section, []).append(0)
            self.in_svg = True
        elif self.in_svg and tag in DRAWN:
            self.svgs[self.section][-1] += 1
        if tag in FOREIGN:
            self.outside.append("<%s>" % tag)
        for name, value in attrs.items():
            value = value or ""
            if name == "src" or (name.endswith("href") and not value.startswith("#")):
                self.outside.append("%s=%r" % (name, value))
            if re.search(r"url\((?!#)|@import", value):
                self.outside.append("%s=%r" % (name, value))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg = False
        elif tag == "section":
            self.section = None

    def handle_data(self, data):
        if re.search(r"url\((?!#)|@import", data) and self.lasttag == "style":
            self.outside.append("style: " + data.strip()[:80])


def main():
    path, part = sys.argv[1], sys.argv[2]
    page = Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    if part == "--self-contained":
        print("refers outside: %s" % (", ".join(page.outside) or "nothing"))
        sys.exit(1 if page.outside else 0)
    svgs = page.svgs.get(part, [])
    print("%s: %d SVG, drawn elements %s" % (part, len(svgs), svgs))
    wanted = 3 if part == "dna" else 1
    sys.exit(0 if len(svgs) == wanted and all(n >= 20 for n in svgs) else 1)


main()
