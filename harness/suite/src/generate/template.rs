//! A request body as written on the wire: ordered keys that may repeat, values that may be raw JSON
//! text (numbers no JSON library holds), and slots filled in at send time (the tagged serial, the
//! device made for the send, the current code).

use serde_json::Value;

/// One value of a generated body.
#[derive(Debug, Clone, PartialEq)]
pub enum Frag {
    /// A JSON value.
    Json(Value),
    /// JSON text written as is (huge numbers, deep nesting).
    Raw(String),
    /// The serial number of this send (tagged with the run id) followed by this suffix.
    Serial(String),
    /// The id of the device made for this send.
    Device,
    /// The current six-digit code of the device made for this send.
    Code,
    /// An object whose keys keep their order and may repeat.
    Object(Vec<(String, Frag)>),
    /// An array.
    Array(Vec<Frag>),
}

/// What the slots of a body stand for in one send.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    /// The tagged serial number.
    pub serial: String,
    /// The device id.
    pub device: String,
    /// The current code.
    pub code: String,
}

impl Bindings {
    /// Placeholders a saved body and path carry for per-send values (`{{serial}}`, `{{device}}`,
    /// `{{code}}`).
    pub fn placeholders() -> Self {
        Self {
            serial: "{{serial}}".to_owned(),
            device: "{{device}}".to_owned(),
            code: "{{code}}".to_owned(),
        }
    }

    /// Fills the placeholders of a saved body or path with this send's values (and `{{user}}` with
    /// `user`).
    pub fn fill(&self, text: &str, user: &str) -> String {
        text.replace("{{serial}}", &self.serial)
            .replace("{{device}}", &self.device)
            .replace("{{code}}", &self.code)
            .replace("{{user}}", user)
    }
}

/// A body's top-level object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    /// The properties in the order they are written.
    pub fields: Vec<(String, Frag)>,
}

impl Template {
    /// A template with these properties.
    pub fn new(fields: Vec<(String, Frag)>) -> Self {
        Self { fields }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&Frag> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Replaces the first `name` (or appends it).
    pub fn set(&mut self, name: &str, value: Frag) {
        match self.fields.iter_mut().find(|(k, _)| k == name) {
            Some((_, slot)) => *slot = value,
            None => self.fields.push((name.to_owned(), value)),
        }
    }

    /// Removes every `name`.
    pub fn remove(&mut self, name: &str) {
        self.fields.retain(|(k, _)| k != name);
    }

    /// The names present, in order, without repeats.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (name, _) in &self.fields {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// The body as JSON text with the slots filled in.
    pub fn render(&self, bindings: &Bindings) -> String {
        let mut out = String::new();
        write_object(&self.fields, bindings, &mut out);
        out
    }

    /// The body as JSON with the slots filled in, when it is representable (no repeated key, no raw
    /// text that is not JSON a parser keeps).
    pub fn to_value(&self, bindings: &Bindings) -> Option<Value> {
        serde_json::from_str(&self.render(bindings)).ok()
    }
}

fn write_object(fields: &[(String, Frag)], bindings: &Bindings, out: &mut String) {
    out.push('{');
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(name.clone()).to_string());
        out.push(':');
        write_frag(value, bindings, out);
    }
    out.push('}');
}

fn write_frag(frag: &Frag, bindings: &Bindings, out: &mut String) {
    match frag {
        Frag::Json(value) => out.push_str(&value.to_string()),
        Frag::Raw(text) => out.push_str(text),
        Frag::Serial(suffix) => {
            out.push_str(&Value::String(format!("{}{suffix}", bindings.serial)).to_string())
        }
        Frag::Device => out.push_str(&Value::String(bindings.device.clone()).to_string()),
        Frag::Code => out.push_str(&Value::String(bindings.code.clone()).to_string()),
        Frag::Object(fields) => write_object(fields, bindings, out),
        Frag::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_frag(item, bindings, out);
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fills_a_saved_body_with_this_sends_values() {
        let body = r#"{"serialNumber":"{{serial}}","model":123456}"#;
        let bindings = Bindings {
            serial: "hwoath-a-00001".into(),
            ..Bindings::default()
        };
        assert_eq!(
            bindings.fill(body, "u"),
            r#"{"serialNumber":"hwoath-a-00001","model":123456}"#
        );
    }

    #[test]
    fn renders_slots_repeats_and_raw_text_in_order() {
        let mut template = Template::new(vec![
            ("serialNumber".into(), Frag::Serial("-x".into())),
            (
                "device".into(),
                Frag::Object(vec![("id".into(), Frag::Device)]),
            ),
            ("n".into(), Frag::Raw("1e400".into())),
            ("n".into(), Frag::Json(json!(2))),
            ("code".into(), Frag::Code),
        ]);
        let bindings = Bindings {
            serial: "hwoath-1-00001".into(),
            device: "d1".into(),
            code: "012345".into(),
        };
        assert_eq!(
            template.render(&bindings),
            r#"{"serialNumber":"hwoath-1-00001-x","device":{"id":"d1"},"n":1e400,"n":2,"code":"012345"}"#
        );
        assert_eq!(template.names().len(), 4);
        template.remove("n");
        template.set("code", Frag::Json(json!(1)));
        assert_eq!(
            template.to_value(&bindings),
            Some(json!({"serialNumber": "hwoath-1-00001-x", "device": {"id": "d1"}, "code": 1}))
        );
    }
}
