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

/// A YAML string, always double-quoted (JSON escaping is valid YAML): unquoted, `True`, `NULL`,
/// `0x1F`, `1e3` or `~` would be read back as booleans, nulls or numbers by some parser.
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}

/// The Elasticsearch/OpenSearch index body: an English analyzer close to reel's (standard
/// tokenizer, lower case, ASCII folding, Snowball English stemmer), a typed field per column,
/// and with `dims` a `dense_vector` field for the passages' vectors.
pub fn elasticsearch_mapping(types: &BTreeMap<String, MetaType>, dims: Option<usize>) -> Value {
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
    if let Some(dims) = dims {
        // Unit vectors: the dot product is the cosine, as reel scores them.
        props.insert(
            "vector".into(),
            json!({"type": "dense_vector", "dims": dims, "index": true, "similarity": "dot_product"}),
        );
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
    fn yaml_strings_read_back_as_the_same_strings() {
        for s in [
            "release_year",
            "True",
            "NULL",
            "null",
            "0x1F",
            "1e3",
            "2017",
            "~",
            "yes",
            "a: b",
            "- x",
            "#c",
            "it's",
            "quote \" and \\",
            "",
            "é漢😀",
            "line\nbreak",
        ] {
            let doc = format!("k: {}\n", yaml_str(s));
            let parsed = yaml_rust2::YamlLoader::load_from_str(&doc).unwrap();
            assert_eq!(parsed[0]["k"].as_str(), Some(s), "{doc}");
        }
    }

    #[test]
    fn the_quickwit_configuration_reads_back_with_every_name_a_string() {
        let mut types = BTreeMap::new();
        for name in ["True", "NULL", "0x1F", "year"] {
            types.insert(name.to_string(), MetaType::Text);
        }
        let yaml = quickwit_config("NULL", &types);
        let doc = &yaml_rust2::YamlLoader::load_from_str(&yaml).unwrap()[0];
        assert_eq!(doc["index_id"].as_str(), Some("NULL"));
        let names: Vec<&str> = doc["doc_mapping"]["field_mappings"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().expect("a string name"))
            .collect();
        for name in ["True", "NULL", "0x1F", "year", "doc_id", "text"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
    }
}
