//! Property names that are not Rust identifiers (`type`, `self`, `2fa`) keep their JSON names,
//! and recursive (boxed) properties read and write like any other.

use fixture_objects::models::Node;
use serde_json::json;

#[test]
fn renamed_and_recursive_properties_round_trip() {
    let value = json!({
        "name": "root",
        "type": "dir",
        "self": "/root",
        "2fa": true,
        "children": [{"name": "leaf", "parent": {"name": "root"}}],
    });
    let node: Node = serde_json::from_value(value.clone()).expect("decodes");
    assert_eq!(node.r#type.as_deref(), Some("dir"));
    assert_eq!(node.self_.as_deref(), Some("/root"));
    assert_eq!(node.field_2fa, Some(true));
    let children = node.children.as_ref().expect("children");
    assert_eq!(
        children[0].parent.as_ref().map(|p| p.name.as_str()),
        Some("root")
    );
    assert_eq!(serde_json::to_value(&node).expect("encodes"), value);
}
