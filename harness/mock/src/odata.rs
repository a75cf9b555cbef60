//! OData query options the collections understand: `$top` (page size) with an opaque `$skiptoken`,
//! `$filter` (`eq`, joined by `and`), `$select`, `$count`; everything else starting with `$` is refused.

use data_encoding::BASE64URL_NOPAD;
use serde_json::{Map, Value};

use crate::errors::ApiError;

/// Largest page a client may ask for with `$top`.
pub(crate) const MAX_TOP: usize = 999;

/// What a collection supports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CollectionSpec {
    /// Properties `$filter` may compare (paths such as `assignedTo/id`).
    pub(crate) filterable: &'static [&'static str],
    /// Properties `$select` may name.
    pub(crate) selectable: &'static [&'static str],
    /// Values `$expand` accepts (the expansion is always done anyway).
    pub(crate) expandable: &'static [&'static str],
}

/// Query options of a collection request, checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryOptions {
    /// Page size asked for.
    pub(crate) top: Option<usize>,
    /// Where the page starts (from `$skiptoken`): after the item whose position key is this (0:
    /// from the start). A key is an item's place in its collection's order, so a page resumes at
    /// the right item whatever was created or deleted before it.
    pub(crate) after: u64,
    /// `$filter` clauses, all of which must hold.
    pub(crate) filter: Vec<Clause>,
    /// `$select`ed properties.
    pub(crate) select: Option<Vec<String>>,
    /// `$count=true`.
    pub(crate) count: bool,
    /// Every option except `$skiptoken`, as received, for building the next link.
    pub(crate) carried: Vec<(String, String)>,
}

/// One `property eq literal` comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    /// Property path, e.g. `assignedTo/id`.
    pub(crate) path: String,
    /// The literal compared with.
    pub(crate) literal: Literal,
}

/// A literal in a `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// `'text'`.
    Str(String),
    /// An integer.
    Int(i64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl QueryOptions {
    /// Parses a raw query string against what the collection supports.
    pub(crate) fn parse(raw: Option<&str>, spec: CollectionSpec) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|_| ApiError::invalid("The query string is not valid."))?;
        let mut options = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in pairs {
            if !key.starts_with('$') {
                options.carried.push((key, value));
                continue;
            }
            let name = key.to_ascii_lowercase();
            if seen.contains(&name) {
                return Err(ApiError::invalid(format!(
                    "Query option '{key}' is specified more than once."
                )));
            }
            seen.push(name.clone());
            match name.as_str() {
                "$top" => options.top = Some(parse_top(&value)?),
                "$skiptoken" => {
                    options.after = decode_skip_token(&value)?;
                    continue;
                }
                "$filter" => options.filter = parse_filter(&value, spec.filterable)?,
                "$select" => options.select = Some(parse_select(&value, spec.selectable)?),
                "$count" => {
                    options.count = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(ApiError::invalid("$count must be true or false.")),
                    }
                }
                "$expand" => {
                    let wanted = value.trim();
                    if !spec.expandable.contains(&wanted) {
                        return Err(ApiError::invalid(format!(
                            "Query option '$expand' with value '{wanted}' is not supported on this resource."
                        )));
                    }
                }
                _ => {
                    return Err(ApiError::invalid(format!(
                        "Query option '{key}' is not supported on this resource."
                    )));
                }
            }
            options.carried.push((key, value));
        }
        Ok(options)
    }

    /// Whether `entity` (its JSON form) satisfies every `$filter` clause.
    pub(crate) fn matches(&self, entity: &Value) -> bool {
        self.matches_fields(|path| {
            path.split('/')
                .try_fold(entity, |v, segment| v.get(segment))
                .cloned()
        })
    }

    /// Whether the entity whose property at a path (`assignedTo/id`) `field` gives satisfies every
    /// `$filter` clause; only the filtered properties are ever asked for.
    pub(crate) fn matches_fields(&self, field: impl Fn(&str) -> Option<Value>) -> bool {
        self.filter.iter().all(|clause| {
            let value = field(&clause.path);
            match (&clause.literal, value.as_ref()) {
                (Literal::Null, None | Some(Value::Null)) => true,
                (Literal::Str(s), Some(Value::String(v))) => v.eq_ignore_ascii_case(s),
                (Literal::Int(i), Some(Value::Number(n))) => n.as_i64() == Some(*i),
                (Literal::Bool(b), Some(Value::Bool(v))) => v == b,
                _ => false,
            }
        })
    }

    /// Keeps only the `$select`ed properties (and OData annotations) of `entity`.
    pub(crate) fn project(&self, entity: Value) -> Value {
        match (&self.select, entity) {
            (Some(select), Value::Object(map)) => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| k.starts_with('@') || select.iter().any(|s| s == k))
                    .collect::<Map<String, Value>>(),
            ),
            (_, entity) => entity,
        }
    }

    /// The page size to use given the collection's default.
    pub(crate) fn page_size(&self, default: usize) -> usize {
        self.top.unwrap_or(default).max(1)
    }

    /// The query string of the next page, which starts after the item whose position key is `after`.
    pub(crate) fn next_query(&self, after: u64) -> String {
        let mut pairs = self.carried.clone();
        pairs.push(("$skiptoken".into(), encode_skip_token(after)));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

fn parse_top(value: &str) -> Result<usize, ApiError> {
    match value.trim().parse::<usize>() {
        Ok(top) if (1..=MAX_TOP).contains(&top) => Ok(top),
        _ => Err(ApiError::invalid(format!(
            "Invalid value '{value}' for query option '$top': it must be an integer between 1 and {MAX_TOP}."
        ))),
    }
}

fn encode_skip_token(after: u64) -> String {
    BASE64URL_NOPAD.encode(format!("hwoath:{after}").as_bytes())
}

fn decode_skip_token(token: &str) -> Result<u64, ApiError> {
    BASE64URL_NOPAD
        .decode(token.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("hwoath:")?.parse().ok())
        .ok_or_else(|| ApiError::invalid("The $skiptoken is not valid."))
}

fn parse_select(value: &str, selectable: &[&str]) -> Result<Vec<String>, ApiError> {
    value
        .split(',')
        .map(|name| {
            let name = name.trim();
            if selectable.contains(&name) {
                Ok(name.to_owned())
            } else {
                Err(ApiError::invalid(format!(
                    "Could not find a property named '{name}' on this type."
                )))
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Literal(Literal),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut literal = String::new();
            loop {
                match chars.next() {
                    Some((_, '\'')) if chars.peek().map(|&(_, c)| c) == Some('\'') => {
                        chars.next();
                        literal.push('\'');
                    }
                    Some((_, '\'')) => break,
                    Some((_, c)) => literal.push(c),
                    None => return Err("unterminated string literal".into()),
                }
            }
            tokens.push(Token::Literal(Literal::Str(literal)));
        } else if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '/' || c == '.' {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '/' || c == '.' {
                    end = i + c.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(Token::Word(text[start..end].to_owned()));
        } else {
            return Err(format!("unexpected character '{c}'"));
        }
    }
    Ok(tokens)
}

fn literal_of(token: Token) -> Result<Literal, String> {
    match token {
        Token::Literal(literal) => Ok(literal),
        Token::Word(word) => match word.as_str() {
            "null" => Ok(Literal::Null),
            "true" => Ok(Literal::Bool(true)),
            "false" => Ok(Literal::Bool(false)),
            _ => word
                .parse::<i64>()
                .map(Literal::Int)
                .map_err(|_| format!("'{word}' is not a literal")),
        },
    }
}

/// Parses `prop eq literal [and prop eq literal]...`.
fn parse_filter(text: &str, filterable: &[&str]) -> Result<Vec<Clause>, ApiError> {
    let invalid = |reason: String| ApiError::invalid(format!("Invalid filter clause: {reason}."));
    let mut tokens = tokenize(text).map_err(invalid)?.into_iter();
    let mut clauses = Vec::new();
    loop {
        let Some(Token::Word(path)) = tokens.next() else {
            return Err(invalid("a property name was expected".into()));
        };
        if !filterable.contains(&path.as_str()) {
            return Err(ApiError::invalid(format!(
                "Invalid filter clause: filtering on '{path}' is not supported."
            )));
        }
        match tokens.next() {
            Some(Token::Word(op)) if op.eq_ignore_ascii_case("eq") => {}
            Some(Token::Word(op)) => {
                return Err(ApiError::invalid(format!(
                    "Invalid filter clause: the operator '{op}' is not supported; only 'eq' is."
                )));
            }
            _ => return Err(invalid("the operator 'eq' was expected".into())),
        }
        let literal = literal_of(
            tokens
                .next()
                .ok_or_else(|| invalid("a value was expected".into()))?,
        )
        .map_err(invalid)?;
        clauses.push(Clause { path, literal });
        match tokens.next() {
            None => return Ok(clauses),
            Some(Token::Word(and)) if and.eq_ignore_ascii_case("and") => {}
            Some(_) => return Err(invalid("only 'and' may join comparisons".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPEC: CollectionSpec = CollectionSpec {
        filterable: &[
            "serialNumber",
            "status",
            "timeIntervalInSeconds",
            "assignedTo/id",
        ],
        selectable: &["id", "serialNumber", "status"],
        expandable: &[],
    };

    #[test]
    fn filters_with_eq_and_and() {
        let options = QueryOptions::parse(
            Some("$filter=serialNumber%20eq%20'O''Brien'%20and%20timeIntervalInSeconds%20eq%2030"),
            SPEC,
        )
        .unwrap();
        assert_eq!(options.filter.len(), 2);
        assert!(options.matches(&json!({"serialNumber": "O'Brien", "timeIntervalInSeconds": 30})));
        assert!(!options.matches(&json!({"serialNumber": "O'Brien", "timeIntervalInSeconds": 60})));
        let null = QueryOptions::parse(Some("$filter=assignedTo/id eq null"), SPEC).unwrap();
        assert!(null.matches(&json!({"assignedTo": null})));
        assert!(!null.matches(&json!({"assignedTo": {"id": "x"}})));
    }

    #[test]
    fn refuses_what_it_does_not_support() {
        for query in [
            "$filter=model eq 'x'",
            "$filter=status ne 'available'",
            "$filter=status eq",
            "$filter=status eq 'x' or status eq 'y'",
            "$filter='unterminated",
            "$orderby=id",
            "$skip=2",
            "$top=0",
            "$top=1000",
            "$top=-1",
            "$top=99999999999999999999999",
            "$count=yes",
            "$select=secretKey",
            "$skiptoken=garbage",
            "$top=1&$top=2",
            "$expand=device",
        ] {
            assert!(QueryOptions::parse(Some(query), SPEC).is_err(), "{query}");
        }
    }

    #[test]
    fn next_query_carries_options_and_a_fresh_token() {
        let options =
            QueryOptions::parse(Some("$top=2&$count=true&$skiptoken=aHdvYXRoOjI"), SPEC).unwrap();
        assert_eq!(options.after, 2);
        let next = options.next_query(4);
        let again = QueryOptions::parse(Some(&next), SPEC).unwrap();
        assert_eq!((again.top, again.after, again.count), (Some(2), 4, true));
    }

    #[test]
    fn select_keeps_annotations() {
        let options = QueryOptions::parse(Some("$select=serialNumber"), SPEC).unwrap();
        let projected =
            options.project(json!({"@odata.type": "#t", "id": "1", "serialNumber": "s"}));
        assert_eq!(projected, json!({"@odata.type": "#t", "serialNumber": "s"}));
    }
}
