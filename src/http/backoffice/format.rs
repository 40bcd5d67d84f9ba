//! Numbers, amounts and dates the way the shops read them: `50 000 CDF`, `1 250,50 CDF`,
//! `25/11/2026 14:05`.
//!
//! Thousands are separated by a no-break space (U+00A0), as is the currency code, so that an
//! amount never breaks across lines on a narrow phone screen. Cents are shown only when
//! there are any: prices in Congolese francs are whole, and `25 000,00 CDF` is noise.

use crate::money::Money;
use crate::sales::history::Revenue;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// The no-break space between thousands and before the currency.
pub const NBSP: char = '\u{a0}';

/// A whole number with its thousands separated: `10 000`, `-1 500`.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 2 + 1);
    if n < 0 {
        grouped.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(NBSP);
        }
        grouped.push(digit);
    }
    grouped
}

/// An amount and its currency: `50 000 CDF`, `1 250,50 CDF` (rounded to the cent).
pub fn amount(value: impl Into<Decimal>, devise: &str) -> String {
    let value = value
        .into()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let cents = (value.abs() * Decimal::ONE_HUNDRED)
        .trunc()
        .to_i128()
        .unwrap_or(i128::MAX);
    let whole = i64::try_from(cents / 100).unwrap_or(i64::MAX);
    let sign = if value.is_sign_negative() && cents != 0 {
        "-"
    } else {
        ""
    };
    match cents % 100 {
        0 => format!("{sign}{}{NBSP}{devise}", number(whole)),
        fraction => format!("{sign}{},{fraction:02}{NBSP}{devise}", number(whole)),
    }
}

/// Revenue as a shop reads it: the CDF sales' in CDF and the USD sales' in USD, side by
/// side, never added together (`125 000 CDF + 40 USD`); nothing sold: `0` in `devise`.
pub fn revenue(r: &Revenue, devise: &str) -> String {
    let parts: Vec<String> = [(r.cdf, "CDF"), (r.usd, "USD")]
        .into_iter()
        .filter(|(sum, _)| *sum != Money::ZERO)
        .map(|(sum, currency)| amount(sum.amount(), currency))
        .collect();
    if parts.is_empty() {
        amount(Decimal::ZERO, devise)
    } else {
        parts.join(" + ")
    }
}

/// A moment in the shop's time zone: `25/11/2026 14:05`.
pub fn date_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%d/%m/%Y %H:%M").to_string()
}

/// An instant in the shop's zone as spreadsheets read a date: `2026-11-25 14:05:00`.
pub fn csv_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// How long ago: `à l'instant`, `il y a 5 min`, `il y a 3 h`, `il y a 2 j`.
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let elapsed = now - at;
    if elapsed.num_minutes() < 1 {
        "à l'instant".to_owned()
    } else if elapsed.num_hours() < 1 {
        format!("il y a {} min", elapsed.num_minutes())
    } else if elapsed.num_days() < 2 {
        format!("il y a {} h", elapsed.num_hours())
    } else {
        format!("il y a {} j", elapsed.num_days())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn amounts_as_the_shops_write_them() {
        assert_eq!(amount(d("50000.00"), "CDF"), "50\u{a0}000\u{a0}CDF");
        assert_eq!(amount(d("0"), "CDF"), "0\u{a0}CDF");
        assert_eq!(amount(d("999"), "CDF"), "999\u{a0}CDF");
        assert_eq!(amount(d("1000"), "USD"), "1\u{a0}000\u{a0}USD");
        assert_eq!(amount(d("1250.5"), "CDF"), "1\u{a0}250,50\u{a0}CDF");
        assert_eq!(amount(d("0.05"), "USD"), "0,05\u{a0}USD");
        assert_eq!(
            amount(d("1234567890.99"), "CDF"),
            "1\u{a0}234\u{a0}567\u{a0}890,99\u{a0}CDF"
        );
        assert_eq!(amount(d("-75000"), "CDF"), "-75\u{a0}000\u{a0}CDF");
        // Rounded to the cent, half away from zero.
        assert_eq!(amount(d("2.345"), "CDF"), "2,35\u{a0}CDF");
        assert_eq!(amount(d("-0.001"), "CDF"), "0\u{a0}CDF");
    }

    #[test]
    fn numbers() {
        assert_eq!(number(0), "0");
        assert_eq!(number(100), "100");
        assert_eq!(number(10_000), "10\u{a0}000");
        assert_eq!(number(-1_500), "-1\u{a0}500");
        assert_eq!(number(1_000_000), "1\u{a0}000\u{a0}000");
    }

    #[test]
    fn dates_in_the_shops_zone() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        assert_eq!(
            date_time(at, chrono_tz::Africa::Kinshasa),
            "01/12/2026 00:30"
        );
        assert_eq!(
            date_time(at, chrono_tz::Africa::Lubumbashi),
            "01/12/2026 01:30"
        );
        assert_eq!(
            csv_time(at, chrono_tz::Africa::Kinshasa),
            "2026-12-01 00:30:00"
        );
        let now = at + chrono::Duration::minutes(5);
        assert_eq!(ago(at, now), "il y a 5 min");
        assert_eq!(ago(at, at + chrono::Duration::hours(30)), "il y a 30 h");
        assert_eq!(ago(at, at + chrono::Duration::days(3)), "il y a 3 j");
        assert_eq!(ago(at, at), "à l'instant");
    }
}
