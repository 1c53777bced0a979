//! The schema's `example:`: checked against the payload's types, refused with the
//! YAML position of the bad value, and carried into the generated metadata.

use codegen::load::Source;

fn schema(example: &str) -> Source {
    Source {
        path: "schemas/AMAZON.Parcel.Ready.yaml".into(),
        text: format!(
            "event: AMAZON.Parcel.Ready
description: A parcel is ready for pickup.
locales: any
payload:
  parcel:
    type: object
    required: true
    description: The parcel.
    fields:
      locker: {{type: string, required: true, localizable: true, description: Where it waits.}}
      count: {{type: integer, required: true, minimum: 1, description: How many.}}
      size:
        type: enum
        required: false
        description: How big.
        values:
          - {{value: SMALL, spoken: small}}
          - {{value: LARGE, spoken: large}}
  pickupBy: {{type: datetime, required: true, description: When it goes back.}}
templates:
  - text: \"Your parcel is ready at {{parcel.locker}}.\"
{example}"
        ),
    }
}

#[test]
fn a_bad_example_value_is_refused_at_its_yaml_position() {
    let d = codegen::compile(vec![schema(
        "example:\n  parcel: {locker: Main Street, count: 0, size: HUGE}\n  pickupBy: 2024-05-03T18:00:00Z\n",
    )])
    .expect_err("the example breaks the schema");
    assert_eq!(d.len(), 2, "{d}");
    let count = &d.list[0];
    assert_eq!(count.yaml_path, "example.parcel.count");
    assert_eq!(
        count.message,
        "`parcel.count` is 0 in the example, but the field takes at least 1"
    );
    let at = count.location.expect("located");
    assert_eq!((at.line, at.column), (23, 40));
    let size = &d.list[1];
    assert_eq!(size.yaml_path, "example.parcel.size");
    assert_eq!(size.message, "`HUGE` is not a value of `parcel.size`");
    let at = size.location.expect("located");
    assert_eq!((at.line, at.column), (23, 49));
    let rendered = d.to_string();
    assert!(
        rendered.contains("--> schemas/AMAZON.Parcel.Ready.yaml:23:49\n"),
        "{rendered}"
    );
}

#[test]
fn a_missing_required_field_is_reported_at_its_object() {
    let d = codegen::compile(vec![schema(
        "example:\n  parcel:\n    count: 2\n  pickupBy: \"2024-05-03T18:00:00Z\"\n",
    )])
    .expect_err("no locker");
    assert_eq!(d.len(), 1, "{d}");
    assert_eq!(
        d.list[0].message,
        "the example has no `parcel.locker`, which is required"
    );
    assert_eq!(d.list[0].yaml_path, "example.parcel");
    let at = d.list[0].location.expect("located");
    assert_eq!((at.line, at.column), (23, 3), "at the key `parcel:`");
}

#[test]
fn a_schema_without_an_example_is_refused() {
    let d = codegen::compile(vec![schema("")]).expect_err("no example");
    assert_eq!(d.len(), 1, "{d}");
    assert_eq!(d.list[0].message, "the schema has no `example:`");
}

#[test]
fn the_example_reaches_the_metadata_in_wire_order() {
    // Written out of order, a date-time unquoted: emitted in the payload's order.
    let outputs = codegen::compile(vec![schema(
        "example:\n  pickupBy: 2024-05-03T18:00:00Z\n  parcel: {size: LARGE, count: 2, locker: Main Street}\n",
    )])
    .unwrap_or_else(|d| panic!("{d}"));
    let module = &outputs.files["src/events/parcel_ready.rs"];
    let want = r#"example: "{\"parcel\":{\"locker\":\"Main Street\",\"count\":2,\"size\":\"LARGE\"},\"pickupBy\":\"2024-05-03T18:00:00Z\"}""#;
    assert!(module.contains(want), "{module}");
}
