//! Text that is not UTF-8: files in UTF-16 with a byte order mark are transcoded, and lines
//! that are not valid UTF-8 are read as Windows-1252, in every reader.

use std::io::{BufRead, BufReader, Read};

/// How many leading bytes are checked for NUL to tell a binary file from text.
pub(crate) const BINARY_SNIFF_BYTES: usize = 8192;

/// Whether `head` (the start of a file, after decompression) looks binary: a NUL byte in its
/// first [`BINARY_SNIFF_BYTES`]. Every reader refuses such a file rather than index garbage.
pub(crate) fn looks_binary(head: &[u8]) -> bool {
    head[..head.len().min(BINARY_SNIFF_BYTES)].contains(&0)
}

/// `reader` as UTF-8: UTF-16 with its byte order mark (Notepad's "Unicode", a spreadsheet's
/// "Unicode text") is transcoded, as ripgrep reads it; everything else passes through as it is.
pub(super) fn utf16_as_utf8(
    mut reader: Box<dyn BufRead + Send>,
    buffer_bytes: usize,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    let head = reader.fill_buf()?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        let utf8 = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .strip_bom(true)
            .build(reader);
        return Ok(Box::new(BufReader::with_capacity(buffer_bytes, utf8)));
    }
    Ok(reader)
}

/// The longest piece [`Utf8Repair`] holds of a line (a minified JSON file is one line).
const REPAIR_PIECE_BYTES: usize = 1 << 20;

/// A reader of a stream that should be UTF-8, for a parser that needs valid UTF-8 (JSON): UTF-8
/// passes through; each line that is not is read as Windows-1252, as [`decode`] reads it (a
/// line longer than [`REPAIR_PIECE_BYTES`] piece by piece). The first such line, counted from
/// 1, is stored in `first_bad` (0 while there is none).
pub struct Utf8Repair {
    inner: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    pos: usize,
    /// Newlines read so far.
    lines: u64,
    /// The start of a character cut at the end of a piece, for the next piece.
    carry: Vec<u8>,
    first_bad: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Utf8Repair {
    /// Wraps `inner`; `first_bad` receives the first line that was not UTF-8.
    pub fn new(
        inner: Box<dyn BufRead + Send>,
        first_bad: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) -> Self {
        Utf8Repair {
            inner,
            buf: Vec::new(),
            pos: 0,
            lines: 0,
            carry: Vec::new(),
            first_bad,
        }
    }

    /// Reads the next piece (up to a newline, or [`REPAIR_PIECE_BYTES`]) into `buf`, repaired;
    /// leaves `buf` empty only at the end of the stream.
    fn refill(&mut self) -> std::io::Result<()> {
        self.buf.clear();
        self.pos = 0;
        loop {
            let line = self.lines + 1;
            self.buf.append(&mut self.carry);
            let mut ended = false;
            let mut eof = false;
            while self.buf.len() < REPAIR_PIECE_BYTES {
                let avail = self.inner.fill_buf()?;
                if avail.is_empty() {
                    eof = true;
                    break;
                }
                let room = (REPAIR_PIECE_BYTES - self.buf.len()).min(avail.len());
                let (n, newline) = match avail[..room].iter().position(|&b| b == b'\n') {
                    Some(i) => (i + 1, true),
                    None => (room, false),
                };
                self.buf.extend_from_slice(&avail[..n]);
                self.inner.consume(n);
                if newline {
                    self.lines += 1;
                    ended = true;
                    break;
                }
            }
            match std::str::from_utf8(&self.buf) {
                Ok(_) => {}
                // A character cut at the end of a piece: finished by the next one.
                Err(e) if e.error_len().is_none() && !ended && !eof => {
                    self.carry = self.buf.split_off(e.valid_up_to());
                }
                Err(_) => {
                    let fixed = decode(&self.buf).into_owned().into_bytes();
                    self.buf = fixed;
                    let _ = self.first_bad.compare_exchange(
                        0,
                        line,
                        std::sync::atomic::Ordering::Relaxed,
                        std::sync::atomic::Ordering::Relaxed,
                    );
                }
            }
            if !self.buf.is_empty() || eof {
                return Ok(());
            }
        }
    }
}

impl Read for Utf8Repair {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Utf8Repair {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos >= self.buf.len() {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

/// Text from bytes that should be UTF-8: as it is when it is; otherwise each line that is not
/// valid UTF-8 is read as Windows-1252 (Latin-1 with curly quotes and dashes, what older tools
/// on Windows wrote), so `Caf\xe9` is "Café" rather than a replacement character.
pub fn decode(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(s) => out.push_str(s),
            Err(_) => out.push_str(
                &encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(line)
                    .0,
            ),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    fn repaired(bytes: &[u8]) -> (String, u64) {
        let bad = Arc::new(AtomicU64::new(0));
        let inner: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(
            4096,
            std::io::Cursor::new(bytes.to_vec()),
        ));
        let mut out = Vec::new();
        Utf8Repair::new(inner, bad.clone())
            .read_to_end(&mut out)
            .unwrap();
        (String::from_utf8(out).unwrap(), bad.load(Ordering::Relaxed))
    }

    #[test]
    fn utf8_passes_through_even_cut_between_pieces() {
        // A line longer than a piece, with two-byte characters across every boundary.
        let long = format!("a{}\n“ok”\n", "é".repeat(REPAIR_PIECE_BYTES));
        assert_eq!(repaired(long.as_bytes()), (long.clone(), 0));
        assert_eq!(repaired(b""), (String::new(), 0));
    }

    #[test]
    fn lines_that_are_not_utf8_are_windows_1252() {
        let (text, bad) = repaired(b"caf\xc3\xa9\n\x93Caf\xe9\x94\nok\n");
        assert_eq!(text, "café\n“Café”\nok\n");
        assert_eq!(bad, 2);
        // Cut short at the end: the lone byte is a character of its own.
        assert_eq!(repaired(b"abc\xc3"), ("abcÃ".to_string(), 1));
        assert_eq!(decode(b"x\n\xff"), "x\nÿ");
    }
}
