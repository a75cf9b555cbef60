//! The case catalog, by group.

mod authz;
mod docs;
mod lifecycle;
mod navigation;
mod odata;
mod policy;
pub mod properties;
mod rfc;
mod validation;

use crate::case::Case;

/// Every case, in catalog order (groups as docs/design.md, Case catalog, lists them).
pub fn all() -> Vec<Case> {
    let mut cases = rfc::cases();
    cases.extend(docs::cases());
    cases.extend(validation::cases());
    cases.extend(lifecycle::cases());
    cases.extend(authz::cases());
    cases.extend(odata::cases());
    cases.extend(navigation::cases());
    cases.extend(policy::cases());
    cases.extend(properties::cases());
    cases.extend(crate::stateful::cases());
    cases
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn case_ids_are_unique_and_grouped() {
        let cases = all();
        let mut seen = HashSet::new();
        for case in &cases {
            assert!(
                seen.insert(case.id.clone()),
                "duplicate case id {}",
                case.id
            );
            assert!(
                case.id.starts_with(&format!("{}/", case.group.as_str())),
                "{}",
                case.id
            );
            assert!(
                !case.title.is_empty() && !case.rule.source.is_empty(),
                "{}",
                case.id
            );
        }
        for group in crate::case::Group::ALL {
            assert!(
                cases.iter().any(|c| c.group == group),
                "group {} is empty",
                group.as_str()
            );
        }
    }
}
