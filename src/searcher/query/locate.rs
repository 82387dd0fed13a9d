//! Where in the query a clause that cannot be searched is: errors about a field's clause give
//! its position as parse repairs give theirs.

use super::is_quote;
use crate::meta::vocabulary::metadata_key;

/// An error about a field's clause, given the position of that clause in the query (a character
/// offset, from 0): `position 5: `year` holds numbers; `abc` is not a number`. The message names
/// the field first and the value second, each in backticks; the clause is a `name:` whose name
/// is that field as typed or as keys are stored (`Meta.Year:` is the field `meta_year`), the
/// one whose value holds the message's value if several do. A message whose field is written
/// nowhere in the query is returned as it is.
pub fn locate(input: &str, message: String) -> String {
    let mut quoted = message.split('`').skip(1).step_by(2);
    let Some(field) = quoted.next().filter(|f| !f.is_empty()) else {
        return message;
    };
    let value = quoted.next().unwrap_or("");
    let chars: Vec<char> = input.chars().collect();
    // Each `name:value` clause that names the field: its start and its value.
    let clauses: Vec<(usize, String)> = (0..chars.len())
        .filter(|&i| {
            (i == 0 || matches!(chars[i - 1], '(' | '+' | '-') || chars[i - 1].is_whitespace())
                && (chars[i].is_alphanumeric() || chars[i] == '_')
        })
        .filter_map(|i| {
            let colon = i + chars[i..]
                .iter()
                .position(|&c| c == ':' || c.is_whitespace())?;
            let name: String = chars[i..colon].iter().collect();
            if chars[colon] != ':' || name.is_empty() || metadata_key(&name) != field {
                return None;
            }
            Some((i, clause_value(&chars[colon + 1..])))
        })
        .collect();
    match clauses
        .iter()
        .find(|(_, v)| v.contains(value))
        .or(clauses.first())
    {
        Some((pos, _)) => format!("position {pos}: {message}"),
        None => message,
    }
}

/// The value of a clause from just after its colon: a range up to its closing bracket, a
/// quoted phrase up to its closing quote, else a word.
fn clause_value(rest: &[char]) -> String {
    let end = match rest.first() {
        Some('[' | '{') => rest.iter().position(|&c| matches!(c, ']' | '}')),
        Some(&q) if is_quote(q) => rest[1..].iter().position(|&c| is_quote(c)).map(|e| e + 1),
        _ => rest.iter().position(|&c| c.is_whitespace() || c == ')'),
    }
    .unwrap_or(rest.len());
    rest[..end].iter().collect()
}
