//! Schema metadata as data: what each event's YAML says, for code that needs
//! per-event facts (validation, preview) without repeating them by hand.
//! The values are generated (`events::*::SCHEMA`); these types are hand-written.

/// One event's schema.
#[derive(Debug)]
pub struct EventSchema {
    /// `AMAZON.<Type>.<State>`.
    pub name: &'static str,
    /// What the event announces, from the schema's `description`.
    pub description: &'static str,
    /// Supported locales; `None` when Amazon documents no restriction.
    pub locales: Option<&'static [&'static str]>,
    /// The payload object.
    pub payload: &'static ObjectShape,
    /// Dotted payload paths of fields that may hold `localizedattribute:<key>`.
    pub localizable_paths: &'static [&'static str],
    /// Notification sentences; the first whose conditions hold applies.
    pub templates: &'static [Template],
    /// The schema's `example:` payload as JSON text: a payload Alexa accepts,
    /// with literal text in its localizable fields (`proactive-events new` and
    /// the event's reference page start from it).
    pub example: &'static str,
}

/// A JSON object of the payload: its fields, in schema order.
#[derive(Debug)]
pub struct ObjectShape {
    /// The Rust type name.
    pub name: &'static str,
    /// Every field, in the order the schema lists them.
    pub fields: &'static [FieldShape],
}

/// One field of an object: its JSON name, flags and value shape.
#[derive(Debug)]
pub struct FieldShape {
    /// JSON name.
    pub name: &'static str,
    /// Whether Amazon rejects the object without it.
    pub required: bool,
    /// Whether it may hold a `localizedattribute:<key>` reference.
    pub localizable: bool,
    /// What the field means, from the schema.
    pub description: &'static str,
    /// What values it takes.
    pub shape: Shape,
}

/// The values a field takes: the JSON type with the schema's constraints.
#[derive(Debug)]
pub enum Shape {
    /// Any JSON string.
    String,
    /// A JSON integer within the bounds.
    Integer {
        /// The smallest value allowed, if any.
        minimum: Option<i64>,
        /// The largest value allowed, if any.
        maximum: Option<i64>,
        /// The generated field's type, decided by the compiler.
        width: IntWidth,
    },
    /// `true` or `false`.
    Boolean,
    /// An RFC 3339 date-time string.
    DateTime,
    /// One of the enum's values, exactly as spelled.
    Enum(&'static EnumShape),
    /// A nested object.
    Object(&'static ObjectShape),
    /// A JSON array of one item shape.
    Array {
        /// What each item is.
        items: &'static Shape,
        /// The fewest items allowed, if bounded.
        min_items: Option<u64>,
        /// The most items allowed, if bounded.
        max_items: Option<u64>,
        /// Whether the items must be distinct.
        unique: bool,
    },
}

/// The Rust integer type of a generated integer field. The compiler decides it
/// (and emits it here), so the validator accepts exactly what that type holds
/// without knowing the rule that picked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntWidth {
    /// `i64`: the field may be negative.
    I64,
    /// `u64`: the field is never negative.
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

/// An enum of Amazon's string values.
#[derive(Debug)]
pub struct EnumShape {
    /// The Rust type name.
    pub name: &'static str,
    /// Every value, in schema order.
    pub values: &'static [EnumValue],
}

/// One value of an enum.
#[derive(Debug)]
pub struct EnumValue {
    /// Exactly as Amazon spells it.
    pub value: &'static str,
    /// The words Alexa says.
    pub spoken: &'static str,
    /// What the value means, when the schema says.
    pub description: Option<&'static str>,
}

/// One notification sentence and when it applies.
#[derive(Debug)]
pub struct Template {
    /// Conditions that must all hold; none means always.
    pub when: &'static [Condition],
    /// The sentence as the schema writes it, with `{placeholders}`.
    pub text: &'static str,
    /// The sentence split into literal text and the values to fill in.
    pub parts: &'static [Part],
}

/// When a [`Template`] applies.
#[derive(Debug)]
pub enum Condition {
    /// The field at `path` is present (or absent).
    Present {
        /// The dotted payload path.
        path: &'static str,
        /// `true` when the condition wants the field present.
        present: bool,
    },
    /// The enum field at `path` has `value`.
    Equals {
        /// The dotted payload path of the enum field.
        path: &'static str,
        /// The enum value, exactly as Amazon spells it.
        value: &'static str,
    },
}

/// A piece of a [`Template`]'s sentence.
#[derive(Debug)]
pub enum Part {
    /// Literal text.
    Text(&'static str),
    /// The value at a dotted payload path.
    Field(&'static str),
    /// `one` or `other`, by the integer at `path`.
    Plural {
        /// The dotted payload path of the integer.
        path: &'static str,
        /// The word when the integer is 1.
        one: &'static str,
        /// The word for any other count.
        other: &'static str,
    },
}

impl ObjectShape {
    /// The field with JSON name `name`, if the object has one.
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
