//! Java `String.format` emulation for the handful of conversions `mqadmin clusterList` uses, so the
//! tables match the Java tool byte for byte.
//!
//! Java formats `%.Nf` from the shortest decimal representation of the double (the digits of
//! `Double.toString`) and rounds that decimal string HALF_UP. Rust's `{:.N}` rounds the exact
//! binary value half-to-even instead, so `0.125` gives `0.12` in Rust but `0.13` in Java, and
//! `0.15` with one digit gives `0.1` in Rust but `0.2` in Java. [`fixed`] reproduces Java.

/// `%-Ns`: left-justify in `width` characters; never truncates.
pub fn left(s: &str, width: usize) -> String {
    format!("{s:<width$}")
}

/// `%Ns`: right-justify in `width` characters; never truncates.
pub fn right(s: &str, width: usize) -> String {
    format!("{s:>width$}")
}

/// `%W.Pf` with Java's rounding: [`fixed`] right-justified in `width` characters.
pub fn fixed_width(value: f64, width: usize, precision: usize) -> String {
    right(&fixed(value, precision), width)
}

/// `%.Pf` with Java's rounding: HALF_UP applied to the shortest decimal form of `value`.
pub fn fixed(value: f64, precision: usize) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    // `{:e}` prints the shortest digits that round-trip, e.g. `1.25e-1`.
    let sci = format!("{:e}", value.abs());
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i64 = exp.parse().expect("`{:e}` exponent is an integer");
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    // Position of the decimal point inside `digits`.
    let point = exp + 1;
    let (mut int_part, mut frac_part): (Vec<u8>, Vec<u8>) = if point <= 0 {
        let mut frac = vec![b'0'; point.unsigned_abs() as usize];
        frac.extend_from_slice(&digits);
        (vec![b'0'], frac)
    } else if point as usize >= digits.len() {
        let mut int = digits.clone();
        int.resize(point as usize, b'0');
        (int, Vec::new())
    } else {
        (
            digits[..point as usize].to_vec(),
            digits[point as usize..].to_vec(),
        )
    };
    if frac_part.len() > precision {
        let round_up = frac_part[precision] >= b'5';
        frac_part.truncate(precision);
        if round_up && increment(&mut frac_part) && increment(&mut int_part) {
            int_part.insert(0, b'1');
        }
    } else {
        frac_part.resize(precision, b'0');
    }
    let mut out = String::with_capacity(sign.len() + int_part.len() + precision + 1);
    out.push_str(sign);
    out.push_str(std::str::from_utf8(&int_part).expect("ASCII digits"));
    if precision > 0 {
        out.push('.');
        out.push_str(std::str::from_utf8(&frac_part).expect("ASCII digits"));
    }
    out
}

/// Adds one to a decimal digit string in place; returns true when it carried out of the top digit
/// (the string then reads all zeros).
fn increment(digits: &mut [u8]) -> bool {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_up_ties() {
        assert_eq!(fixed(0.125, 2), "0.13");
        assert_eq!(fixed(0.15, 1), "0.2");
        assert_eq!(fixed(2.675, 2), "2.68");
        assert_eq!(fixed(0.5, 0), "1");
        assert_eq!(fixed(0.00005, 4), "0.0001");
        assert_eq!(fixed(0.00004, 4), "0.0000");
    }

    #[test]
    fn carries_and_padding() {
        assert_eq!(fixed(9.995, 2), "10.00");
        assert_eq!(fixed(99.999, 2), "100.00");
        assert_eq!(fixed(0.0, 2), "0.00");
        assert_eq!(fixed(0.43, 4), "0.4300");
        assert_eq!(fixed(1234.5, 2), "1234.50");
        assert_eq!(fixed(1e21, 1), "1000000000000000000000.0");
        assert_eq!(fixed(1e-10, 2), "0.00");
        assert_eq!(fixed_width(0.0, 9, 2), "     0.00");
        assert_eq!(fixed_width(475123.456, 2, 2), "475123.46");
    }

    #[test]
    fn sign_and_specials() {
        assert_eq!(fixed(-1.005, 2), "-1.01");
        assert_eq!(fixed(-0.001, 2), "-0.00");
        assert_eq!(fixed(f64::NAN, 2), "NaN");
        assert_eq!(fixed(f64::INFINITY, 2), "Infinity");
        assert_eq!(fixed(f64::NEG_INFINITY, 2), "-Infinity");
    }

    #[test]
    fn justification() {
        assert_eq!(left("ab", 4), "ab  ");
        assert_eq!(right("ab", 4), "  ab");
        assert_eq!(left("abcdef", 4), "abcdef");
    }
}

/// Java's `UtilAll.timeMillisToHumanString2`: `yyyy-MM-dd HH:mm:ss,SSS` in local time.
pub fn human_millis(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let t = secs as libc::time_t;
    // SAFETY: `tm` is plain old data, fully written by `localtime_r` on success; both pointers
    // are valid for the duration of the call and `localtime_r` keeps no reference to them.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return millis.to_string();
        }
        tm
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        ms
    )
}

/// Java's `UtilAll.frontStringAtLeast(s, n)`: at most the first `n` characters.
pub fn front(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod time_tests {
    #[test]
    fn human_millis_shape() {
        let s = super::human_millis(1_700_000_000_123);
        assert_eq!(s.len(), 23, "{s}");
        assert!(s.ends_with(",123"), "{s}");
        assert_eq!(&s[4..5], "-");
    }

    #[test]
    fn front_truncates() {
        assert_eq!(super::front("abcdef", 3), "abc");
        assert_eq!(super::front("ab", 3), "ab");
    }
}

/// Java's `UtilAll.parseDate(s, "yyyy-MM-dd#HH:mm:ss:SSS")` in local time, as ms since the epoch;
/// `None` when `s` does not have that shape or names no valid local time.
pub fn parse_java_date(s: &str) -> Option<i64> {
    let (date, time) = s.split_once('#')?;
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    let ([y, mo, da], [h, mi, se, ms]) = (d.as_slice(), t.as_slice()) else {
        return None;
    };
    let num = |v: &str| v.parse::<i32>().ok();
    let (month, day, hour, min, sec, millis) = (num(mo)?, num(da)?, num(h)?, num(mi)?, num(se)?, num(ms)?);
    let ok = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&min)
        && (0..60).contains(&sec)
        && (0..1000).contains(&millis);
    if !ok {
        return None;
    }
    // SAFETY: `tm` is plain old data; `mktime` only reads and normalises the struct we own.
    let secs = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        tm.tm_year = num(y)? - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = min;
        tm.tm_sec = sec;
        tm.tm_isdst = -1;
        libc::mktime(&mut tm)
    };
    // `time_t` is i64 here but narrower on some targets.
    #[allow(clippy::useless_conversion)]
    let secs = i64::from(secs);
    (secs != -1).then(|| secs * 1000 + i64::from(millis))
}

#[cfg(test)]
mod parse_tests {
    #[test]
    fn java_date_round_trips_through_human_millis() {
        let ms = super::parse_java_date("2026-12-05#06:40:12:345").unwrap();
        assert_eq!(super::human_millis(ms), "2026-12-05 06:40:12,345");
        assert_eq!(super::parse_java_date("2026-12-05 06:40:12"), None);
        assert_eq!(super::parse_java_date("2026-13-05#06:40:12:000"), None);
    }
}
