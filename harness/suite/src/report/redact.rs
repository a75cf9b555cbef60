//! The last line of defence against leaked credentials: every writer renders a copy of the report in
//! which every `Authorization` header reads `Bearer [redacted]`, whatever the model holds.

use std::borrow::Cow;

use super::model::{ExchangeRecord, RunReport};

/// The only Authorization value any report ever shows.
pub(crate) const REDACTED_BEARER: &str = "Bearer [redacted]";

/// Whether a header carries credentials and must be shown redacted.
pub(crate) fn is_credential_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("proxy-authorization")
}

fn needs_redaction(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(name, value)| is_credential_header(name) && value != REDACTED_BEARER)
}

fn exchange_needs_redaction(exchange: &ExchangeRecord) -> bool {
    needs_redaction(&exchange.request_headers) || needs_redaction(&exchange.response_headers)
}

fn redact_headers(headers: &mut [(String, String)]) {
    for (name, value) in headers {
        if is_credential_header(name) {
            *value = REDACTED_BEARER.to_owned();
        }
    }
}

/// The report with every credential header value replaced by [`REDACTED_BEARER`]; borrowed when
/// nothing needed replacing.
pub(crate) fn redacted(report: &RunReport) -> Cow<'_, RunReport> {
    let dirty = report
        .cases
        .iter()
        .flat_map(|case| &case.exchanges)
        .any(exchange_needs_redaction);
    if !dirty {
        return Cow::Borrowed(report);
    }
    let mut copy = report.clone();
    for exchange in copy.cases.iter_mut().flat_map(|case| &mut case.exchanges) {
        redact_headers(&mut exchange.request_headers);
        redact_headers(&mut exchange.response_headers);
    }
    Cow::Owned(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn replaces_any_authorization_value() {
        let mut report = fixture::report();
        report.cases[1].exchanges[0].request_headers =
            vec![("AUTHORIZATION".into(), "Bearer eyJ.real.token".into())];
        report.cases[1].exchanges[0].response_headers =
            vec![("Proxy-Authorization".into(), "Basic dXNlcjpwYXNz".into())];
        let clean = redacted(&report);
        assert!(matches!(clean, Cow::Owned(_)));
        let exchange = &clean.cases[1].exchanges[0];
        assert_eq!(exchange.request_headers[0].1, REDACTED_BEARER);
        assert_eq!(exchange.response_headers[0].1, REDACTED_BEARER);
    }

    #[test]
    fn borrows_an_already_clean_report() {
        let report = fixture::report();
        assert!(matches!(redacted(&report), Cow::Borrowed(_)));
    }
}
