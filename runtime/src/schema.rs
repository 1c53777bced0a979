//! Schema metadata as data: what each event's YAML says, for code that needs
//! per-event facts (validation, preview) without repeating them by hand.
//! The values are generated (`events::*::SCHEMA`); these types are hand-written.

/// One event's schema.
#[derive(Debug)]
pub struct EventSchema {
    /// `AMAZON.<Type>.<State>`.
    pub name: &'static str,
    pub description: &'static str,
    /// Supported locales; `None` when Amazon documents no restriction.
    pub locales: Option<&'static [&'static str]>,
    /// The payload object.
    pub payload: &'static ObjectShape,
    /// Dotted payload paths of fields that may hold `localizedattribute:<key>`.
    pub localizable_paths: &'static [&'static str],
    /// Notification sentences; the first whose conditions hold applies.
    pub templates: &'static [Template],
}

#[derive(Debug)]
pub struct ObjectShape {
    /// The Rust type name.
    pub name: &'static str,
    pub fields: &'static [FieldShape],
}

#[derive(Debug)]
pub struct FieldShape {
    /// JSON name.
    pub name: &'static str,
    pub required: bool,
    pub localizable: bool,
    pub description: &'static str,
    pub shape: Shape,
}

#[derive(Debug)]
pub enum Shape {
    String,
    Integer {
        minimum: Option<i64>,
        maximum: Option<i64>,
        /// The generated field's type, decided by the compiler.
        width: IntWidth,
    },
    Boolean,
    DateTime,
    Enum(&'static EnumShape),
    Object(&'static ObjectShape),
    Array {
        items: &'static Shape,
        min_items: Option<u64>,
        max_items: Option<u64>,
        unique: bool,
    },
}

/// The Rust integer type of a generated integer field. The compiler decides it
/// (and emits it here), so the validator accepts exactly what that type holds
/// without knowing the rule that picked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntWidth {
    I64,
    U64,
}

impl IntWidth {
    /// The largest value the type holds.
    pub fn max(self) -> i128 {
        match self {
            Self::I64 => i128::from(i64::MAX),
            Self::U64 => i128::from(u64::MAX),
        }
    }
}

#[derive(Debug)]
pub struct EnumShape {
    /// The Rust type name.
    pub name: &'static str,
    pub values: &'static [EnumValue],
}

#[derive(Debug)]
pub struct EnumValue {
    /// Exactly as Amazon spells it.
    pub value: &'static str,
    /// The words Alexa says.
    pub spoken: &'static str,
    pub description: Option<&'static str>,
}

#[derive(Debug)]
pub struct Template {
    pub when: &'static [Condition],
    pub text: &'static str,
    pub parts: &'static [Part],
}

#[derive(Debug)]
pub enum Condition {
    /// The field at `path` is present (or absent).
    Present { path: &'static str, present: bool },
    /// The enum field at `path` has `value`.
    Equals {
        path: &'static str,
        value: &'static str,
    },
}

#[derive(Debug)]
pub enum Part {
    Text(&'static str),
    /// The value at a dotted payload path.
    Field(&'static str),
    /// `one` or `other`, by the integer at `path`.
    Plural {
        path: &'static str,
        one: &'static str,
        other: &'static str,
    },
}

impl ObjectShape {
    pub fn field(&self, name: &str) -> Option<&'static FieldShape> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl EventSchema {
    /// The field at a dotted payload path (`order.seller.name`).
    pub fn field(&self, path: &str) -> Option<&'static FieldShape> {
        let mut object = self.payload;
        let mut steps = path.split('.').peekable();
        while let Some(step) = steps.next() {
            let field = object.field(step)?;
            if steps.peek().is_none() {
                return Some(field);
            }
            match field.shape {
                Shape::Object(o) => object = o,
                _ => return None,
            }
        }
        None
    }
}
