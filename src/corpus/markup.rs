//! HTML read with a real parser (html5ever, through scraper): a page parsed with the source line
//! of each element ([`parse_page`]), its text as blocks ([`blocks`]: paragraphs, list items, cells
//! and headings, nothing of scripts, styles and forms), and markup inside other text: the
//! `<br />` and entities of a review saved as `.txt`, the HTML of a CSV or JSON field
//! ([`has_markup`], [`fragment_text`]).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use ego_tree::NodeId;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{ElementRef, Html, HtmlTreeSink, Node};

/// A parsed page and the line each of its elements starts on.
pub struct Page {
    /// The document tree.
    pub html: Html,
    lines: HashMap<NodeId, u64>,
}

impl Page {
    /// The 1-based line an element's start tag is on (0 if unknown).
    pub fn line(&self, id: NodeId) -> u64 {
        self.lines.get(&id).copied().unwrap_or(0)
    }
}

/// Parses a whole page, noting the line each element starts on.
pub fn parse_page(text: &str) -> Page {
    let sink = LineSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        line: Cell::new(1),
        lines: RefCell::new(HashMap::new()),
    };
    let (html, lines) = html5ever::parse_document(sink, Default::default()).one(text);
    Page { html, lines }
}

/// scraper's tree sink, recording the line the tokenizer is on as each element is created
/// (html5ever tells its sink the current line; scraper keeps no positions of its own).
struct LineSink {
    inner: HtmlTreeSink,
    line: Cell<u64>,
    lines: RefCell<HashMap<NodeId, u64>>,
}

impl TreeSink for LineSink {
    type Handle = NodeId;
    type Output = (Html, HashMap<NodeId, u64>);
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Self::Output {
        (self.inner.finish(), self.lines.into_inner())
    }
    fn parse_error(&self, msg: std::borrow::Cow<'static, str>) {
        self.inner.parse_error(msg)
    }
    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }
    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }
    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        let id = self.inner.create_element(name, attrs, flags);
        self.lines.borrow_mut().insert(id, self.line.get());
        id
    }
    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.inner.create_comment(text)
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.inner.create_pi(target, data)
    }
    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.inner.append(parent, child)
    }
    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        self.inner
            .append_based_on_parent_node(element, prev_element, child)
    }
    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id)
    }
    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.inner.get_template_contents(target)
    }
    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.inner.same_node(x, y)
    }
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode)
    }
    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.inner.append_before_sibling(sibling, new_node)
    }
    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs)
    }
    fn remove_from_parent(&self, target: &NodeId) {
        self.inner.remove_from_parent(target)
    }
    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        self.inner.reparent_children(node, new_parent)
    }
    fn set_current_line(&self, line: u64) {
        self.line.set(line);
    }
}

/// Elements whose content is never text to index.
const IGNORED: [&str; 16] = [
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "head",
    "button", "select", "option", "textarea", "input", "canvas", "math",
];

/// Elements that start a block of text of their own.
const BLOCKS: [&str; 32] = [
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "figure",
    "figcaption",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "nav",
    "form",
    "fieldset",
    "address",
    "details",
    "summary",
];

/// A block of an element's text: the text (whitespace collapsed, `<br>` a line break), the
/// element it starts in, and for a heading its level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBlock {
    /// The text.
    pub text: String,
    /// The element it belongs to (for its line).
    pub node: NodeId,
    /// `Some(1..=6)` for a heading.
    pub heading: Option<u8>,
}

/// The blocks of text under `root`, in document order, leaving out ignored elements and those
/// `skip` says are not content. With `plain_breaks`, a blank line inside text also separates
/// blocks (text that was not HTML to begin with, such as a field with a few tags).
pub fn blocks(
    root: ElementRef,
    skip: &dyn Fn(&ElementRef) -> bool,
    plain_breaks: bool,
) -> Vec<RawBlock> {
    let mut w = Walker {
        out: Vec::new(),
        buf: String::new(),
        node: root.id(),
        plain_breaks,
        after_br: false,
    };
    w.walk(root, skip);
    w.flush(None);
    w.out
}

struct Walker {
    out: Vec<RawBlock>,
    buf: String,
    node: NodeId,
    plain_breaks: bool,
    /// The last thing read was a `<br>` (a second one in a row ends the paragraph).
    after_br: bool,
}

impl Walker {
    fn walk(&mut self, el: ElementRef, skip: &dyn Fn(&ElementRef) -> bool) {
        for child in el.children() {
            match child.value() {
                Node::Text(t) => {
                    if !t.trim().is_empty() {
                        self.after_br = false;
                    }
                    if self.plain_breaks {
                        let mut parts = split_blank_lines(t);
                        if let Some(first) = parts.next() {
                            self.buf.push_str(first);
                        }
                        for part in parts {
                            self.flush(None);
                            self.buf.push_str(part);
                        }
                    } else {
                        self.buf.push_str(t);
                    }
                }
                Node::Element(e) => {
                    let Some(child_el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    let name = e.name();
                    if IGNORED.contains(&name) || skip(&child_el) {
                        continue;
                    }
                    if name == "br" {
                        if self.after_br {
                            self.flush(None);
                        } else {
                            self.buf.push('\n');
                            self.after_br = true;
                        }
                        continue;
                    }
                    let heading = heading_level(name);
                    if heading.is_some() || BLOCKS.contains(&name) {
                        self.flush(None);
                        self.node = child_el.id();
                        self.walk(child_el, skip);
                        self.flush(heading);
                        self.node = el.id();
                    } else {
                        if self.buf.trim().is_empty() {
                            self.node = child_el.id();
                        }
                        self.walk(child_el, skip);
                    }
                }
                _ => {}
            }
        }
    }

    fn flush(&mut self, heading: Option<u8>) {
        self.after_br = false;
        let text: Vec<String> = self
            .buf
            .split('\n')
            .map(super::blocks::collapse)
            .filter(|l| !l.is_empty())
            .collect();
        self.buf.clear();
        if text.is_empty() {
            return;
        }
        self.out.push(RawBlock {
            text: text.join("\n"),
            node: self.node,
            heading,
        });
    }
}

/// How much text `root` holds (bytes of its text nodes, leaving out ignored elements and those
/// `skip` says are not content): a cheap measure for choosing the main content, without
/// building its blocks.
pub fn text_len(root: ElementRef, skip: &dyn Fn(&ElementRef) -> bool) -> usize {
    let mut n = 0;
    for child in root.children() {
        match child.value() {
            Node::Text(t) => n += t.trim().len(),
            Node::Element(e) => {
                if IGNORED.contains(&e.name()) {
                    continue;
                }
                if let Some(el) = ElementRef::wrap(child) {
                    if !skip(&el) {
                        n += text_len(el, skip);
                    }
                }
            }
            _ => {}
        }
    }
    n
}

/// The pieces of a text between its blank lines.
fn split_blank_lines(t: &str) -> impl Iterator<Item = &str> {
    let mut rest = t;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        // A newline, then only spaces, then another newline.
        let mut search = 0;
        while let Some(i) = rest[search..].find('\n') {
            let at = search + i;
            let after = &rest[at + 1..];
            let gap = after.len() - after.trim_start_matches([' ', '\t', '\r']).len();
            if after[gap..].starts_with('\n') {
                let piece = &rest[..at];
                rest = &after[gap + 1..];
                return Some(piece);
            }
            search = at + 1;
        }
        let piece = rest;
        rest = "";
        Some(piece)
    })
}

/// `h1` to `h6`: their level.
pub fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

/// True when a text holds HTML: a tag (`<b>`, `</p>`, `<br />`, `<!-- -->`) or an entity
/// (`&amp;`, `&#8217;`, `&#x2019;`). A lone `<` or `&` in prose (`a < b`, `Tom & Jerry`) is not.
pub fn has_markup(s: &str) -> bool {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'<' => {
                let next = b.get(i + 1).copied().unwrap_or(b' ');
                if (next.is_ascii_alphabetic() || next == b'/' || next == b'!')
                    && b[i + 1..].iter().take(200).any(|&x| x == b'>')
                {
                    return true;
                }
            }
            b'&' => {
                let rest = &b[i + 1..];
                let end = rest.iter().take(12).position(|&x| x == b';');
                if let Some(end) = end {
                    let name = &rest[..end];
                    let numeric = name.first() == Some(&b'#')
                        && name.len() > 1
                        && name[1..]
                            .iter()
                            .all(|x| x.is_ascii_hexdigit() || *x == b'x');
                    let named = name.len() >= 2 && name.iter().all(|x| x.is_ascii_alphanumeric());
                    if numeric || named {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// The text of an HTML fragment (a field, a paragraph of a text file): blocks (`<p>`, `<li>`,
/// `<div>`, headings, blank lines of the text) separated by blank lines, `<br>` a line break,
/// entities decoded, tags, scripts and styles gone. A text without markup is returned as it
/// is.
pub fn fragment_text(s: &str) -> String {
    if !has_markup(s) {
        return s.to_string();
    }
    let html = Html::parse_fragment(s);
    let root = html.root_element();
    blocks(root, &|_| false, true)
        .into_iter()
        .map(|b| b.text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_tags_or_entities_not_a_lone_sign() {
        for yes in [
            "a<br />b",
            "<p>x</p>",
            "it&#8217;s",
            "Tom &amp; Jerry",
            "&#x2019;",
            "<!-- c -->",
        ] {
            assert!(has_markup(yes), "{yes}");
        }
        for no in ["a < b", "Tom & Jerry", "x <3 y", "R&D; then", "5 > 3"] {
            assert!(!has_markup(no), "{no}");
        }
    }

    #[test]
    fn a_fragment_becomes_text() {
        assert_eq!(
            fragment_text("First<br /><br />Second &amp; third it&#8217;s"),
            "First\n\nSecond & third it’s"
        );
        assert_eq!(
            fragment_text("<p>One <b>bold</b> word.</p><p>Two</p><script>x()</script>"),
            "One bold word.\n\nTwo"
        );
        assert_eq!(fragment_text("plain & simple"), "plain & simple");
        assert_eq!(fragment_text("one<br>two"), "one\ntwo");
        assert_eq!(
            fragment_text("Para one <i>x</i>\n\nPara two"),
            "Para one x\n\nPara two"
        );
        // Broken markup is still read.
        assert_eq!(fragment_text("<p>unclosed <b>bold"), "unclosed bold");
    }

    #[test]
    fn a_page_knows_the_line_of_each_element() {
        let page = parse_page("<html>\n<body>\n<p>one</p>\n\n<p>two</p>\n</body></html>");
        let p = scraper::Selector::parse("p").unwrap();
        let lines: Vec<u64> = page.html.select(&p).map(|e| page.line(e.id())).collect();
        assert_eq!(lines, [3, 5]);
        let blocks = blocks(page.html.root_element(), &|_| false, false);
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["one", "two"]);
    }
}
