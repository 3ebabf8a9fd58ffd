//! The `collisions.yaml` fixture, whose schemas, properties, enum values, parameters and
//! operations are named like what generated code and the JSON macros use internally: its crate
//! compiling is half the test; here its values round-trip through JSON with the wire names the
//! spec lists, and the enum values named like the catch-all `Unknown` stay apart from it.

use std::collections::BTreeMap;

use fixture_collisions::models::{
    Animal, D, Gender, Level, M, None, OptionModel, ResultModel, S, SelfValue, Some, T, Unknown,
    ValueModel, Visitor,
};
use serde_json::json;

fn visitor() -> Visitor {
    Visitor {
        value: ValueModel {
            some: Option::Some(Some::SelfValue),
            none: Option::Some(None {
                none: Option::Some(true),
            }),
            ok: Option::Some(7),
            err: Option::Some(vec!["e".to_owned()]),
            self_: Option::Some(SelfValue {
                self_: Option::Some("me".to_owned()),
            }),
            animal: Option::Some(Animal::UnknownVariant(Box::new(Unknown {
                kind: "unknown".to_owned(),
            }))),
            s: Option::Some(S {
                s: Option::Some(D { d: T::T }),
            }),
            m: Option::Some(M::V1),
        },
        gender: Option::Some(Gender::UnknownValue3),
        level: Option::Some(Level::UnknownValue),
        option: Option::Some(OptionModel::None),
        result: Option::Some(ResultModel {
            ok: Option::Some(false),
        }),
        additional_properties: BTreeMap::from([("map".to_owned(), "m".to_owned())]),
    }
}

#[test]
fn values_named_like_generated_code_round_trip_with_their_wire_names() {
    let value = visitor();
    let wire = serde_json::to_value(&value).unwrap();
    assert_eq!(
        wire,
        json!({
            "value": {
                "some": "Self",
                "none": {"none": true},
                "ok": 7,
                "err": ["e"],
                "self_": {"self": "me"},
                "animal": {"kind": "unknown"},
                "s": {"s": {"d": "t"}},
                "m": 1,
            },
            "gender": "UNKNOWN",
            "level": 1,
            "option": "none",
            "result": {"ok": false},
            "map": "m",
        })
    );
    assert_eq!(serde_json::from_value::<Visitor>(wire).unwrap(), value);
}

#[test]
fn enum_values_named_unknown_are_not_the_catch_all() {
    let listed = [
        (Gender::UnknownValue, "unknown"),
        (Gender::UnknownValue2, "Unknown"),
        (Gender::UnknownValue3, "UNKNOWN"),
    ];
    for (value, wire) in listed {
        assert_eq!(serde_json::to_value(&value).unwrap(), json!(wire));
        assert_eq!(
            serde_json::from_value::<Gender>(json!(wire)).unwrap(),
            value
        );
    }
    assert_eq!(
        serde_json::from_value::<Gender>(json!("unknowable")).unwrap(),
        Gender::Unknown("unknowable".to_owned())
    );
    assert_eq!(
        serde_json::from_value::<Level>(json!(2)).unwrap(),
        Level::UnknownValue2
    );
    assert_eq!(
        serde_json::from_value::<Level>(json!(9)).unwrap(),
        Level::Unknown(9)
    );
    let unlisted = json!({"kind": "dog", "legs": 4});
    assert_eq!(
        serde_json::from_value::<Animal>(unlisted.clone()).unwrap(),
        Animal::Unknown(unlisted)
    );
}
