//! A one-line `curl` command that replays a recorded exchange, with POSIX-shell-safe quoting and the
//! bearer token taken from `$GRAPH_TOKEN`, never written out.

use super::model::ExchangeRecord;
use crate::redact::is_credential_header;

/// Headers curl computes itself or that would make the replay differ (compressed output).
const SKIPPED_HEADERS: [&str; 5] = [
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "accept-encoding",
];

/// The Authorization header of every replay, double-quoted so the shell expands `$GRAPH_TOKEN`.
pub const AUTHORIZATION_ARG: &str = "\"Authorization: Bearer $GRAPH_TOKEN\"";

/// Quotes `text` as one POSIX shell word: single quotes, with each `'` written as `'\''`.
pub fn shell_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

fn is_plain_token(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The curl command replaying `exchange`: method, quoted URL, an Authorization header reading the
/// token from `$GRAPH_TOKEN` when the request carried one, the other recorded request headers (a JSON
/// Content-Type when a body was sent without one) and the body via `--data-raw`.
pub fn curl_command(exchange: &ExchangeRecord) -> String {
    let method = if is_plain_token(&exchange.method) {
        exchange.method.clone()
    } else {
        shell_quote(&exchange.method)
    };
    let mut words = vec![
        "curl".to_owned(),
        "-sS".to_owned(),
        "-X".to_owned(),
        method,
        shell_quote(&exchange.url),
    ];
    let headers = &exchange.request_headers;
    if headers.iter().any(|(name, _)| is_credential_header(name)) {
        words.push("-H".to_owned());
        words.push(AUTHORIZATION_ARG.to_owned());
    }
    let mut has_content_type = false;
    for (name, value) in headers {
        let skipped = is_credential_header(name)
            || SKIPPED_HEADERS
                .iter()
                .any(|skip| name.eq_ignore_ascii_case(skip));
        if skipped {
            continue;
        }
        has_content_type |= name.eq_ignore_ascii_case("content-type");
        words.push("-H".to_owned());
        words.push(shell_quote(&format!("{name}: {value}")));
    }
    if let Some(body) = &exchange.request_body {
        if !has_content_type {
            words.push("-H".to_owned());
            words.push(shell_quote("Content-Type: application/json"));
        }
        words.push("--data-raw".to_owned());
        words.push(shell_quote(body));
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn quotes_single_quotes_the_posix_way() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$HOME `x` \"y\""), "'$HOME `x` \"y\"'");
    }

    #[test]
    fn builds_the_documented_shape() {
        let exchange = fixture::exchange(201, "{}", None);
        assert_eq!(
            curl_command(&exchange),
            format!(
                "curl -sS -X POST '{}/directory/authenticationMethodDevices/hardwareOathDevices' \
                 -H \"Authorization: Bearer $GRAPH_TOKEN\" -H 'content-type: application/json' \
                 --data-raw '{{\"serialNumber\":\"it'\\''s-1\",\"timeIntervalInSeconds\":45}}'",
                fixture::BASE
            )
        );
    }

    #[test]
    fn never_writes_a_recorded_token_and_omits_auth_when_none_was_sent() {
        let mut exchange = fixture::exchange(201, "{}", None);
        exchange.request_headers[0].1 = "Bearer eyJ.leaked".to_owned();
        let line = curl_command(&exchange);
        assert!(!line.contains("eyJ"), "{line}");
        assert!(line.contains(AUTHORIZATION_ARG));

        exchange.request_headers.remove(0);
        assert!(!curl_command(&exchange).contains("Authorization"));
    }

    #[test]
    fn adds_json_content_type_for_a_body_without_one_and_skips_computed_headers() {
        let mut exchange = fixture::exchange(201, "{}", None);
        exchange.request_headers = vec![
            ("Content-Length".to_owned(), "53".to_owned()),
            ("Host".to_owned(), "127.0.0.1".to_owned()),
            ("ConsistencyLevel".to_owned(), "eventual".to_owned()),
        ];
        let line = curl_command(&exchange);
        assert!(
            line.contains("-H 'ConsistencyLevel: eventual' -H 'Content-Type: application/json'")
        );
        assert!(!line.contains("Content-Length") && !line.contains("Host"));

        exchange.request_body = None;
        exchange.method = "GET".to_owned();
        let line = curl_command(&exchange);
        assert!(!line.contains("--data-raw") && !line.contains("Content-Type"));
    }

    #[test]
    fn quotes_an_unusual_method() {
        let mut exchange = fixture::exchange(201, "{}", None);
        exchange.method = "GET;rm".to_owned();
        assert!(curl_command(&exchange).starts_with("curl -sS -X 'GET;rm' '"));
    }
}
