//! Binary placeholders in a decoded payload: checking them and filling in the attachments.
//!
//! A placeholder is any object whose `_placeholder` is `true` (the reference's test); its `num`
//! must index an announced attachment. Checking happens as soon as the text frame arrives, so
//! a bad packet fails before its attachments are buffered.

use bytes::Bytes;

use super::DecodeError;
use crate::Value;

fn placeholder_num(value: &Value) -> Option<Option<u64>> {
    let map = value.as_object()?;
    match map.get("_placeholder") {
        Some(Value::Bool(true)) => Some(map.get("num").and_then(Value::as_u64)),
        _ => None,
    }
}

/// Checks that every placeholder in `args` indexes one of `attachments` and that every
/// attachment is referenced.
pub(crate) fn check_placeholders(args: &[Value], attachments: usize) -> Result<(), DecodeError> {
    let mut used = vec![false; attachments];
    for arg in args {
        mark(arg, &mut used)?;
    }
    if used.iter().all(|&u| u) {
        Ok(())
    } else {
        Err(DecodeError::IllegalPlaceholder)
    }
}

fn mark(value: &Value, used: &mut [bool]) -> Result<(), DecodeError> {
    if let Some(num) = placeholder_num(value) {
        let slot = num
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| used.get_mut(n))
            .ok_or(DecodeError::IllegalPlaceholder)?;
        *slot = true;
        return Ok(());
    }
    match value {
        Value::Array(items) => items.iter().try_for_each(|v| mark(v, used)),
        Value::Object(map) => map.iter().try_for_each(|(_, v)| mark(v, used)),
        _ => Ok(()),
    }
}

/// Replaces every placeholder in `args` with its attachment. Placeholders were checked by
/// [`check_placeholders`]; one that is still out of range is left as it is.
pub(crate) fn fill_placeholders(args: &mut [Value], buffers: &[Bytes]) {
    for arg in args {
        fill(arg, buffers);
    }
}

fn fill(value: &mut Value, buffers: &[Bytes]) {
    if let Some(num) = placeholder_num(value) {
        if let Some(buf) = num
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| buffers.get(n))
        {
            *value = Value::Binary(buf.clone());
        }
        return;
    }
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| fill(v, buffers)),
        Value::Object(map) => map.values_mut().for_each(|v| fill(v, buffers)),
        _ => {}
    }
}
