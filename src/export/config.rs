//! Each engine's index configuration: Quickwit's `index-config.yaml` and the Elasticsearch /
//! OpenSearch index body (`mapping.json`), typed as reel types the fields.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::meta::MetaType;

/// The Quickwit index configuration (YAML). Text is tokenized with `en_stem` (split, lower case,
/// English stemming: reel's analyzer less accent folding); ids and keyword lists are `raw`;
/// numbers and dates are fast fields.
pub fn quickwit_config(index_id: &str, types: &BTreeMap<String, MetaType>) -> String {
    let mut y = String::new();
    y.push_str("version: 0.8\n");
    y.push_str(&format!("index_id: {}\n", yaml_str(index_id)));
    y.push_str("doc_mapping:\n  mode: lenient\n  field_mappings:\n");
    let text = |y: &mut String, name: &str, tokenizer: &str, fast: bool| {
        y.push_str(&format!(
            "    - name: {}\n      type: text\n",
            yaml_str(name)
        ));
        y.push_str(&format!("      tokenizer: {tokenizer}\n"));
        if tokenizer == "en_stem" {
            y.push_str("      record: position\n");
        }
        if fast {
            y.push_str("      fast: true\n");
        }
    };
    text(&mut y, "doc_id", "raw", true);
    y.push_str("    - name: passage_id\n      type: u64\n      fast: true\n");
    text(&mut y, "title", "en_stem", false);
    text(&mut y, "text", "en_stem", false);
    text(&mut y, "source", "raw", false);
    y.push_str("    - name: start\n      type: u64\n      indexed: false\n");
    y.push_str("    - name: end\n      type: u64\n      indexed: false\n");
    for (name, ty) in types {
        let n = yaml_str(name);
        match ty {
            MetaType::Integer => {
                y.push_str(&format!("    - name: {n}\n      type: i64\n      fast: true\n"))
            }
            MetaType::Float => {
                y.push_str(&format!("    - name: {n}\n      type: f64\n      fast: true\n"))
            }
            MetaType::Date => y.push_str(&format!(
                "    - name: {n}\n      type: datetime\n      input_formats: [rfc3339]\n      fast: true\n"
            )),
            MetaType::Keywords => y.push_str(&format!(
                "    - name: {n}\n      type: array<text>\n      tokenizer: raw\n      fast: true\n"
            )),
            MetaType::Text => text(&mut y, name, "en_stem", false),
        }
    }
    let mut search_fields = vec!["title".to_string(), "text".to_string()];
    search_fields.extend(
        types
            .iter()
            .filter(|(_, t)| matches!(t, MetaType::Text))
            .map(|(k, _)| k.clone()),
    );
    let list: Vec<String> = search_fields.iter().map(|f| yaml_str(f)).collect();
    y.push_str(&format!(
        "search_settings:\n  default_search_fields: [{}]\n",
        list.join(", ")
    ));
    y.push_str("indexing_settings:\n  commit_timeout_secs: 30\n");
    y
}

/// A YAML scalar: plain when safe, double-quoted (JSON escaping is valid YAML) otherwise.
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !s.starts_with(['-', '.'])
        && !matches!(s, "true" | "false" | "null" | "yes" | "no" | "on" | "off");
    if plain && s.parse::<f64>().is_err() {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string always serializes")
    }
}

/// The Elasticsearch/OpenSearch index body: an English analyzer close to reel's (standard
/// tokenizer, lower case, ASCII folding, Snowball English stemmer) and a typed field per column.
pub fn elasticsearch_mapping(types: &BTreeMap<String, MetaType>) -> Value {
    let text = json!({"type": "text", "analyzer": "reel_english"});
    let mut props = Map::new();
    props.insert("doc_id".into(), json!({"type": "keyword"}));
    props.insert("passage_id".into(), json!({"type": "long"}));
    props.insert("title".into(), text.clone());
    props.insert("text".into(), text.clone());
    props.insert("source".into(), json!({"type": "keyword"}));
    props.insert("start".into(), json!({"type": "long", "index": false}));
    props.insert("end".into(), json!({"type": "long", "index": false}));
    for (name, ty) in types {
        let m = match ty {
            MetaType::Integer => json!({"type": "long"}),
            MetaType::Float => json!({"type": "double"}),
            MetaType::Date => json!({"type": "date", "format": "strict_date_optional_time"}),
            MetaType::Keywords => json!({"type": "keyword", "fields": {"text": text}}),
            MetaType::Text => text.clone(),
        };
        props.insert(name.clone(), m);
    }
    json!({
        "settings": {"analysis": {
            "analyzer": {"reel_english": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "reel_english_stemmer"]
            }},
            "filter": {"reel_english_stemmer": {"type": "stemmer", "language": "porter2"}}
        }},
        "mappings": {"properties": props}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars_are_quoted_when_needed() {
        assert_eq!(yaml_str("release_year"), "release_year");
        assert_eq!(yaml_str("true"), "\"true\"");
        assert_eq!(yaml_str("2017"), "\"2017\"");
        assert_eq!(yaml_str("a: b"), "\"a: b\"");
    }
}
