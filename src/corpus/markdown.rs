//! Markdown (`.md`, `.markdown`), parsed with pulldown-cmark: the text without its markup
//! (a link's text kept and its URL dropped, inline code kept as text, code blocks, raw HTML and
//! comments dropped, images dropped), each paragraph, list item and table row a block on the
//! line it starts on, and each heading the context of the blocks under it, never a block of its
//! own. The title is the front matter's, else the first heading (an image alone is never one).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::blocks::{Block, Lines};

/// What a Markdown body gives: its blocks and the title its first heading gives.
pub struct Read {
    /// The blocks, in order.
    pub blocks: Vec<Block>,
    /// The text of the first heading, if the body has one.
    pub first_heading: Option<String>,
}

/// Reads a Markdown body (`text[from..]`, after any front matter) into blocks with the lines of
/// `text`. The first heading is not the context of what follows it when it is the title
/// (`first_heading_is_title`).
pub fn read(text: &str, from: usize, first_heading_is_title: bool) -> Read {
    let body = &text[from..];
    let lines = Lines::of(text);
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_FOOTNOTES);
    let mut r = Reader {
        out: Vec::new(),
        buf: String::new(),
        at: None,
        heading: None,
        in_heading: false,
        heading_buf: String::new(),
        code: 0,
        image: 0,
        first_heading: None,
        first_heading_is_title,
    };
    for (event, range) in Parser::new_ext(body, opts).into_offset_iter() {
        let line = lines.line(from + range.start);
        r.event(event, line);
    }
    r.flush();
    Read {
        blocks: r.out,
        first_heading: r.first_heading,
    }
}

struct Reader {
    out: Vec<Block>,
    buf: String,
    /// The line the block being read starts on.
    at: Option<u64>,
    heading: Option<String>,
    in_heading: bool,
    heading_buf: String,
    /// Inside a code block (its text is dropped), an image (its alt text is dropped).
    code: u32,
    image: u32,
    first_heading: Option<String>,
    first_heading_is_title: bool,
}

impl Reader {
    fn event(&mut self, event: Event, line: u64) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                self.flush();
                self.in_heading = true;
                self.heading_buf.clear();
            }
            Event::End(TagEnd::Heading(_)) => {
                self.in_heading = false;
                let h = super::blocks::collapse(&self.heading_buf);
                if h.is_empty() {
                    return;
                }
                if self.first_heading.is_none() {
                    self.first_heading = Some(h.clone());
                    if self.first_heading_is_title {
                        self.heading = None;
                        return;
                    }
                }
                self.heading = Some(h);
            }
            Event::Start(Tag::Paragraph | Tag::Item | Tag::TableRow | Tag::TableHead)
            | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead)
            | Event::Rule => self.flush(),
            Event::Start(Tag::CodeBlock(_)) => {
                self.flush();
                self.code += 1;
            }
            Event::End(TagEnd::CodeBlock) => self.code = self.code.saturating_sub(1),
            Event::Start(Tag::Image { .. }) => self.image += 1,
            Event::End(TagEnd::Image) => self.image = self.image.saturating_sub(1),
            Event::Start(Tag::TableCell) if !self.buf.trim().is_empty() => {
                self.buf.push_str(" · ");
            }
            Event::Text(t) | Event::Code(t) => self.text(&t, line),
            Event::SoftBreak => self.text("\n", line),
            Event::HardBreak => self.text("\n", line),
            // Raw HTML and comments, footnote marks, task boxes: not text.
            _ => {}
        }
    }

    fn text(&mut self, t: &str, line: u64) {
        if self.code > 0 || self.image > 0 {
            return;
        }
        if self.in_heading {
            self.heading_buf.push_str(t);
            return;
        }
        if self.at.is_none() && !t.trim().is_empty() {
            self.at = Some(line);
        }
        self.buf.push_str(t);
    }

    fn flush(&mut self) {
        let text: Vec<String> = self
            .buf
            .split('\n')
            .map(super::blocks::collapse)
            .filter(|l| !l.is_empty())
            .collect();
        self.buf.clear();
        let line = self.at.take().unwrap_or(0);
        if text.is_empty() {
            return;
        }
        self.out.push(Block {
            text: text.join("\n"),
            line,
            heading: self.heading.clone(),
            ..Block::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_without_its_markup() {
        let md = "# Heroin(e)\n\n![poster](poster.jpg)\n\nA **bold** review with a [link](https://x.org) and `code`.\n\n<!-- a comment -->\n\n## The fire chief\n\nJan Rader answers\ncall after call.\n\n```\nlet x = 1;\n```\n\n- one item\n- two *items*\n\n| a | b |\n|---|---|\n| c | d |\n";
        let r = read(md, 0, true);
        assert_eq!(r.first_heading.as_deref(), Some("Heroin(e)"));
        let texts: Vec<&str> = r.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "A bold review with a link and code.",
                "Jan Rader answers\ncall after call.",
                "one item",
                "two items",
                "a · b",
                "c · d",
            ]
        );
        let lines: Vec<u64> = r.blocks.iter().map(|b| b.line).collect();
        assert_eq!(lines, [5, 11, 18, 19, 21, 23]);
        assert_eq!(r.blocks[0].heading, None);
        assert_eq!(r.blocks[1].heading.as_deref(), Some("The fire chief"));
        assert_eq!(r.blocks[5].heading.as_deref(), Some("The fire chief"));
    }

    #[test]
    fn an_image_alone_gives_no_block_and_front_matter_lines_count() {
        let text = "---\ntitle: X\n---\n![only an image](a.png)\n\nBody text.\n";
        let from = text.find("![").unwrap();
        let r = read(text, from, false);
        assert_eq!(r.first_heading, None);
        assert_eq!(r.blocks.len(), 1);
        assert_eq!(r.blocks[0].line, 6);
    }
}
