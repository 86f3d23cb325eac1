//! Fractional index keys for z-order (`docs/SCHEMA.md`, "Z-order").
//!
//! This is `generateKeyBetween` of the `fractional-indexing` npm package with its
//! base-62 digits, so the browser can use that package and produce the same keys.
//! A key is an integer part, whose first character encodes its length, plus a
//! fraction that never ends in `0`. Appending on top only increments the integer
//! part, so keys stay a few characters long however many elements a board has.

use crate::error::ZKeyError;

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ZERO: u8 = DIGITS[0];
const LAST: u8 = DIGITS[61];
/// The smallest integer part: nothing can be made below it except by fraction.
const SMALLEST_INTEGER: &str = "A00000000000000000000000000";

/// Returns a key strictly between `a` and `b`; `None` means the bottom or the top.
pub fn key_between(a: Option<&str>, b: Option<&str>) -> Result<String, ZKeyError> {
    if let Some(a) = a {
        validate_key(a)?;
    }
    if let Some(b) = b {
        validate_key(b)?;
    }
    match (a, b) {
        (None, None) => Ok("a0".to_owned()),
        (None, Some(b)) => {
            let ib = integer_part(b)?;
            let fb = &b[ib.len()..];
            if ib == SMALLEST_INTEGER {
                return Ok(format!("{ib}{}", midpoint(b"", Some(fb.as_bytes()))?));
            }
            if ib.len() < b.len() {
                return Ok(ib.to_owned());
            }
            decrement_integer(ib)?.ok_or(ZKeyError::OutOfRange)
        }
        (Some(a), None) => {
            let ia = integer_part(a)?;
            let fa = &a[ia.len()..];
            match increment_integer(ia)? {
                Some(i) => Ok(i),
                None => Ok(format!("{ia}{}", midpoint(fa.as_bytes(), None)?)),
            }
        }
        (Some(a), Some(b)) => {
            if a >= b {
                return Err(ZKeyError::NotOrdered(a.to_owned(), b.to_owned()));
            }
            let ia = integer_part(a)?;
            let fa = &a[ia.len()..];
            let ib = integer_part(b)?;
            let fb = &b[ib.len()..];
            if ia == ib {
                return Ok(format!(
                    "{ia}{}",
                    midpoint(fa.as_bytes(), Some(fb.as_bytes()))?
                ));
            }
            let i = increment_integer(ia)?.ok_or(ZKeyError::OutOfRange)?;
            if i.as_str() < b {
                Ok(i)
            } else {
                Ok(format!("{ia}{}", midpoint(fa.as_bytes(), None)?))
            }
        }
    }
}

/// Checks that `key` is a well-formed key; remote peers may send anything.
pub fn validate_key(key: &str) -> Result<(), ZKeyError> {
    if key == SMALLEST_INTEGER {
        return Err(ZKeyError::Invalid(key.to_owned()));
    }
    let integer = integer_part(key)?;
    if !key.bytes().all(|c| digit_value(c).is_some()) {
        return Err(ZKeyError::Invalid(key.to_owned()));
    }
    if key.len() > integer.len() && key.ends_with('0') {
        return Err(ZKeyError::Invalid(key.to_owned()));
    }
    Ok(())
}

fn digit_value(c: u8) -> Option<usize> {
    match c {
        b'0'..=b'9' => Some(usize::from(c - b'0')),
        b'A'..=b'Z' => Some(usize::from(c - b'A') + 10),
        b'a'..=b'z' => Some(usize::from(c - b'a') + 36),
        _ => None,
    }
}

fn integer_length(head: u8) -> Option<usize> {
    match head {
        b'a'..=b'z' => Some(usize::from(head - b'a') + 2),
        b'A'..=b'Z' => Some(usize::from(b'Z' - head) + 2),
        _ => None,
    }
}

fn integer_part(key: &str) -> Result<&str, ZKeyError> {
    let head = *key
        .as_bytes()
        .first()
        .ok_or(ZKeyError::Invalid(String::new()))?;
    let len = integer_length(head).ok_or_else(|| ZKeyError::Invalid(key.to_owned()))?;
    key.get(..len)
        .ok_or_else(|| ZKeyError::Invalid(key.to_owned()))
}

/// A digit string strictly between fractions `a` and `b` (`None`: the top).
/// Neither may end in `0`.
fn midpoint(a: &[u8], b: Option<&[u8]>) -> Result<String, ZKeyError> {
    let mut prefix = Vec::new();
    let (mut a, mut b) = (a, b);
    loop {
        if let Some(bb) = b {
            // Strip the common prefix, reading missing digits of `a` as 0.
            let mut n = 0;
            while n < bb.len() && a.get(n).copied().unwrap_or(ZERO) == bb[n] {
                n += 1;
            }
            if n > 0 {
                prefix.extend_from_slice(&bb[..n]);
                a = a.get(n..).unwrap_or(&[]);
                b = Some(&bb[n..]);
                continue;
            }
        }
        let digit_a = a.first().map_or(Some(0), |&c| digit_value(c));
        let digit_b = match b {
            Some(bb) => bb.first().map_or(Some(0), |&c| digit_value(c)),
            None => Some(DIGITS.len()),
        };
        let (Some(digit_a), Some(digit_b)) = (digit_a, digit_b) else {
            return Err(ZKeyError::Invalid(String::from_utf8_lossy(a).into_owned()));
        };
        if digit_b <= digit_a {
            return Err(ZKeyError::NotOrdered(
                String::from_utf8_lossy(a).into_owned(),
                String::from_utf8_lossy(b.unwrap_or(&[])).into_owned(),
            ));
        }
        if digit_b - digit_a > 1 {
            // Rounds half up, as JavaScript's Math.round does for positive halves.
            prefix.push(DIGITS[(digit_a + digit_b).div_ceil(2)]);
            break;
        }
        // The first digits are consecutive.
        if let Some(bb) = b.filter(|bb| bb.len() > 1) {
            prefix.push(bb[0]);
            break;
        }
        prefix.push(DIGITS[digit_a]);
        a = a.get(1..).unwrap_or(&[]);
        b = None;
    }
    Ok(String::from_utf8(prefix).expect("digits are ASCII"))
}

fn increment_integer(x: &str) -> Result<Option<String>, ZKeyError> {
    let bytes = x.as_bytes();
    let (head, digits) = (bytes[0], &bytes[1..]);
    let mut digits = digits.to_vec();
    let mut carry = true;
    for d in digits.iter_mut().rev() {
        let v = digit_value(*d).ok_or_else(|| ZKeyError::Invalid(x.to_owned()))? + 1;
        if v == DIGITS.len() {
            *d = ZERO;
        } else {
            *d = DIGITS[v];
            carry = false;
            break;
        }
    }
    if !carry {
        return Ok(Some(join(head, &digits)));
    }
    match head {
        b'Z' => Ok(Some("a0".to_owned())),
        b'z' => Ok(None),
        _ => {
            let h = head + 1;
            if h > b'a' {
                digits.push(ZERO);
            } else {
                digits.pop();
            }
            Ok(Some(join(h, &digits)))
        }
    }
}

fn decrement_integer(x: &str) -> Result<Option<String>, ZKeyError> {
    let bytes = x.as_bytes();
    let (head, digits) = (bytes[0], &bytes[1..]);
    let mut digits = digits.to_vec();
    let mut borrow = true;
    for d in digits.iter_mut().rev() {
        let v = digit_value(*d).ok_or_else(|| ZKeyError::Invalid(x.to_owned()))?;
        if v == 0 {
            *d = LAST;
        } else {
            *d = DIGITS[v - 1];
            borrow = false;
            break;
        }
    }
    if !borrow {
        return Ok(Some(join(head, &digits)));
    }
    match head {
        b'a' => Ok(Some(format!("Z{}", LAST as char))),
        b'A' => Ok(None),
        _ => {
            let h = head - 1;
            if h < b'Z' {
                digits.push(LAST);
            } else {
                digits.pop();
            }
            Ok(Some(join(h, &digits)))
        }
    }
}

fn join(head: u8, digits: &[u8]) -> String {
    let mut s = String::with_capacity(digits.len() + 1);
    s.push(head as char);
    s.extend(digits.iter().map(|&d| d as char));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_keys_and_increments() {
        assert_eq!(key_between(None, None).unwrap(), "a0");
        assert_eq!(key_between(Some("a0"), None).unwrap(), "a1");
        assert_eq!(key_between(Some("az"), None).unwrap(), "b00");
        assert_eq!(key_between(Some("Zz"), None).unwrap(), "a0");
        assert_eq!(key_between(None, Some("a0")).unwrap(), "Zz");
        assert_eq!(key_between(None, Some("b00")).unwrap(), "az");
        assert_eq!(key_between(Some("a0"), Some("a1")).unwrap(), "a0V");
        assert_eq!(key_between(Some("a0V"), Some("a1")).unwrap(), "a0l");
        assert_eq!(key_between(Some("a0"), Some("a0V")).unwrap(), "a0G");
    }

    #[test]
    fn keys_stay_short_when_appending() {
        let mut key = key_between(None, None).unwrap();
        for _ in 0..10_000 {
            let next = key_between(Some(&key), None).unwrap();
            assert!(next > key);
            key = next;
        }
        assert_eq!(key.len(), 4);
    }

    #[test]
    fn repeated_inserts_between_stay_ordered() {
        let lo = "a0".to_owned();
        let mut hi = "a1".to_owned();
        for _ in 0..200 {
            let mid = key_between(Some(&lo), Some(&hi)).unwrap();
            assert!(lo < mid && mid < hi, "{lo} < {mid} < {hi}");
            hi = mid;
        }
    }

    #[test]
    fn rejects_bad_keys_and_order() {
        assert!(key_between(Some("a1"), Some("a0")).is_err());
        assert!(key_between(Some("a0"), Some("a0")).is_err());
        for bad in ["", "a", "a0 ", "a00", "!x", "é", SMALLEST_INTEGER] {
            assert!(validate_key(bad).is_err(), "{bad:?} accepted");
            assert!(key_between(Some(bad), None).is_err());
        }
    }
}
