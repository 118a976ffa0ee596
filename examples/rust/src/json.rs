// SPDX-License-Identifier: Apache-2.0
//! The protobuf JSON mapping for prost messages.
//!
//! prost has no JSON printer; the usual companion, pbjson, is not packaged in Debian 12. This
//! module gets there from two things prost-build gives: the messages' serde serialization
//! (build.rs derives it) and the schema's descriptors. Walking both together it applies the
//! mapping's rules: fields under their proto names, set fields only (prost's `None` is an
//! absent proto2 field), 64-bit integers as strings, bytes as base64, enums by value name (a
//! number this schema does not know stays a number), a oneof as the one field that is set.

use std::collections::HashMap;

use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet};
use serde_json::{Map, Value};

/// Every message and enum of a descriptor set, by fully qualified name (".pkg.Message").
pub struct Printer {
    messages: HashMap<String, DescriptorProto>,
    enums: HashMap<String, EnumDescriptorProto>,
}

impl Printer {
    /// A printer for the messages of `descriptor_set` (prost-build's file_descriptor_set_path).
    pub fn new(descriptor_set: &[u8]) -> Result<Printer, prost::DecodeError> {
        let mut printer = Printer {
            messages: HashMap::new(),
            enums: HashMap::new(),
        };
        for file in FileDescriptorSet::decode(descriptor_set)?.file {
            let scope = format!(".{}", file.package());
            printer.add(&scope, file.message_type, file.enum_type);
        }
        Ok(printer)
    }

    fn add(
        &mut self,
        scope: &str,
        messages: Vec<DescriptorProto>,
        enums: Vec<EnumDescriptorProto>,
    ) {
        for e in enums {
            self.enums.insert(format!("{scope}.{}", e.name()), e);
        }
        for mut m in messages {
            let name = format!("{scope}.{}", m.name());
            let (nested, nested_enums) = (std::mem::take(&mut m.nested_type), m.enum_type.clone());
            self.add(&name, nested, nested_enums);
            self.messages.insert(name, m);
        }
    }

    /// `message` (of the protobuf type `type_name`, such as ".actionqueue.snapshot.v1.Snapshot")
    /// in the protobuf JSON mapping.
    pub fn to_json<M: serde::Serialize>(
        &self,
        type_name: &str,
        message: &M,
    ) -> serde_json::Result<Value> {
        Ok(self.message(type_name, serde_json::to_value(message)?))
    }

    fn message(&self, type_name: &str, value: Value) -> Value {
        let (desc, mut fields) = match (self.messages.get(type_name), value) {
            (Some(desc), Value::Object(fields)) => (desc, fields),
            _ => unreachable!("{type_name}: prost-build made a struct for every message"),
        };
        let mut out = Map::new();
        for field in &desc.field {
            let value = match field.oneof_index {
                // serde writes a oneof as {"<oneof>": {"<Variant>": value}}, or null when unset.
                Some(i) => match fields.get_mut(desc.oneof_decl[i as usize].name()) {
                    Some(Value::Object(variant)) => variant.remove(&variant_name(field.name())),
                    _ => None,
                },
                None => fields.remove(field.name()),
            };
            let json = match value {
                None | Some(Value::Null) => continue, // absent
                Some(Value::Array(items)) if field.label() == Label::Repeated => {
                    if items.is_empty() {
                        continue;
                    }
                    Value::Array(items.into_iter().map(|v| self.value(field, v)).collect())
                }
                Some(v) => self.value(field, v),
            };
            out.insert(field.name().to_string(), json);
        }
        Value::Object(out)
    }

    fn value(&self, field: &FieldDescriptorProto, value: Value) -> Value {
        match field.r#type() {
            Type::Message | Type::Group => self.message(field.type_name(), value),
            Type::Enum => {
                let values = &self.enums[field.type_name()].value;
                match values
                    .iter()
                    .find(|v| Some(v.number() as i64) == value.as_i64())
                {
                    Some(v) => Value::String(v.name().to_string()),
                    None => value, // prost enums are open: an unknown number is kept
                }
            }
            Type::Bytes => {
                let bytes: Vec<u8> =
                    serde_json::from_value(value).expect("serde writes Vec<u8> as numbers");
                Value::String(base64::encode(bytes))
            }
            Type::Int64 | Type::Uint64 | Type::Sint64 | Type::Fixed64 | Type::Sfixed64 => {
                Value::String(value.to_string())
            }
            _ => value,
        }
    }
}

/// prost's name for the variant of a oneof field: `task_completed` -> `TaskCompleted`.
fn variant_name(field: &str) -> String {
    field
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}
