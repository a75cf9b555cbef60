//! Graph resolves the literal segments of a URL path in any letter case (Microsoft's own how-to sends
//! `.../authentication/hardwareoathmethods/{id}`), while the router matches them exactly: before
//! routing, a path's literal segments are respelled as the route template that fits it best spells
//! them. Ids, user principal names and every other parameter segment are kept as given.

/// One segment of a route template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// A fixed word, such as `hardwareOathMethods` or `$count`.
    Literal(String),
    /// A `{parameter}`.
    Parameter,
}

/// The route templates whose literal segments are matched in any letter case.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathCanon {
    templates: Vec<Vec<Segment>>,
}

impl PathCanon {
    /// Canonicalizes paths against these route templates (`/beta/users/{user}/...`).
    pub(crate) fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> Self {
        let templates = templates
            .into_iter()
            .map(|template| {
                template
                    .split('/')
                    .map(|segment| {
                        if segment.starts_with('{') && segment.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(segment.to_owned())
                        }
                    })
                    .collect()
            })
            .collect();
        Self { templates }
    }

    /// `path` with its literal segments spelled as the best-fitting template spells them (the one
    /// matching the most literal segments), or `None` when no template fits or nothing changes.
    pub(crate) fn canonicalize(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let best = self
            .templates
            .iter()
            .filter_map(|template| Some((literals_matched(template, &segments)?, template)))
            .max_by_key(|(score, _)| *score)
            .map(|(_, template)| template)?;
        let canonical: Vec<&str> = best
            .iter()
            .zip(&segments)
            .map(|(template, given)| match template {
                Segment::Literal(word) => word.as_str(),
                Segment::Parameter => given,
            })
            .collect();
        let canonical = canonical.join("/");
        (canonical != path).then_some(canonical)
    }
}

/// How many literal segments of `template` the path's segments spell (in any case, `$` also as
/// `%24`), or `None` if the path does not fit the template.
fn literals_matched(template: &[Segment], segments: &[&str]) -> Option<usize> {
    if template.len() != segments.len() {
        return None;
    }
    template
        .iter()
        .zip(segments)
        .try_fold(0, |matched, (template, given)| match template {
            Segment::Parameter if !given.is_empty() => Some(matched),
            Segment::Literal(word) if same_word(word, given) => Some(matched + 1),
            _ => None,
        })
}

fn same_word(word: &str, given: &str) -> bool {
    if word.eq_ignore_ascii_case(given) {
        return true;
    }
    match (word.strip_prefix('$'), given.get(..3), given.get(3..)) {
        (Some(rest), Some(escape), Some(tail)) => {
            escape.eq_ignore_ascii_case("%24") && rest.eq_ignore_ascii_case(tail)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon() -> PathCanon {
        PathCanon::new([
            "/beta/me/authentication/hardwareOathMethods",
            "/beta/me/authentication/hardwareOathMethods/$count",
            "/beta/me/authentication/hardwareOathMethods/{id}",
            "/beta/me/authentication/hardwareOathMethods/assignAndActivate",
            "/beta/users/{user}/authentication/hardwareOathMethods/{id}/activate",
        ])
    }

    #[test]
    fn literal_segments_take_the_template_spelling_and_parameters_stay() {
        let canon = canon();
        assert_eq!(
            canon.canonicalize("/BETA/ME/Authentication/HARDWAREOATHMETHODS/%24COUNT"),
            Some("/beta/me/authentication/hardwareOathMethods/$count".into())
        );
        assert_eq!(
            canon.canonicalize(
                "/beta/users/AmyM@Contoso.com/authentication/hardwareoathmethods/AbC/Activate"
            ),
            Some(
                "/beta/users/AmyM@Contoso.com/authentication/hardwareOathMethods/AbC/activate"
                    .into()
            )
        );
        // A literal beats a parameter at the same place.
        assert_eq!(
            canon.canonicalize("/beta/me/authentication/hardwareOathMethods/ASSIGNANDACTIVATE"),
            Some("/beta/me/authentication/hardwareOathMethods/assignAndActivate".into())
        );
        assert_eq!(
            canon.canonicalize("/beta/me/authentication/hardwareOathMethods/Some-Id"),
            None,
            "already canonical"
        );
        assert_eq!(canon.canonicalize("/_hwoath/Clock"), None);
        assert_eq!(canon.canonicalize("/beta/me/authentication"), None);
        assert_eq!(
            canon.canonicalize("/beta/me/authentication/hardwareOathMethods//activate"),
            None
        );
    }
}
