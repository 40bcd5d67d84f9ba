//! Money: a decimal amount with two places, written in JSON as `"50000.00"`.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A money amount (a price, a line total, a sale total). Always rounded to two places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

/// Unit prices are NUMERIC(12,2): below 10^10.
const PRICE_LIMIT: i64 = 10_000_000_000;
/// Sale totals are NUMERIC(14,2): below 10^12.
const TOTAL_LIMIT: i64 = 1_000_000_000_000;

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds half away from zero ("half up" for the non-negative amounts used here).
    pub fn new(amount: Decimal) -> Self {
        Money(amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    /// A price as the tills send it: a JSON number or a numeric string, `>= 0`, at most
    /// what a NUMERIC(12,2) column holds. `None` for anything else.
    pub fn parse_price(value: &serde_json::Value) -> Option<Money> {
        let amount = match value {
            serde_json::Value::Number(n) => {
                // The shortest decimal text of the number is what the till wrote (25000.5,
                // 1.005), so rounding it gives the amount the cashier saw.
                let text = n.to_string();
                Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .ok()?
            }
            serde_json::Value::String(s) => Decimal::from_str(s.trim()).ok()?,
            _ => return None,
        };
        let price = Money::new(amount);
        (price.0 >= Decimal::ZERO && price.0 < Decimal::from(PRICE_LIMIT)).then_some(price)
    }

    /// `self × quantity`, or `None` past what a sale total may hold.
    pub fn times(self, quantity: i32) -> Option<Money> {
        self.0.checked_mul(Decimal::from(quantity)).map(Money::new)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Whether the amount fits a sale total column (NUMERIC(14,2)).
    pub fn fits_total(self) -> bool {
        self.0 < Decimal::from(TOTAL_LIMIT)
    }

    /// As a JSON number, for the one response whose readers declare amounts as numbers.
    pub fn to_f64(self) -> f64 {
        self.0.to_f64().unwrap_or(0.0)
    }
}

/// A price in a request body: a JSON number or a numeric string, as [`Money::parse_price`]
/// reads it.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Money::parse_price(&value).ok_or_else(|| {
            serde::de::Error::custom("un montant positif ou nul, inférieur à 10000000000")
        })
    }
}

impl From<Decimal> for Money {
    fn from(amount: Decimal) -> Self {
        Money::new(amount)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn price(v: serde_json::Value) -> Option<String> {
        Money::parse_price(&v).map(|m| m.to_string())
    }

    #[test]
    fn written_with_two_places() {
        assert_eq!(Money::new(Decimal::from(50000)).to_string(), "50000.00");
        assert_eq!(
            serde_json::to_string(&Money::new(Decimal::new(255, 1))).unwrap(),
            "\"25.50\""
        );
    }

    #[test]
    fn prices_from_numbers_and_strings() {
        assert_eq!(price(json!(25000.00)).as_deref(), Some("25000.00"));
        assert_eq!(price(json!(25000)).as_deref(), Some("25000.00"));
        assert_eq!(price(json!("75000.5")).as_deref(), Some("75000.50"));
        assert_eq!(price(json!(0)).as_deref(), Some("0.00"));
        // Half-up on the decimal the till wrote, not on its binary approximation.
        assert_eq!(price(json!(1.005)).as_deref(), Some("1.01"));
        assert_eq!(price(json!("2.345")).as_deref(), Some("2.35"));
        assert_eq!(
            price(json!(9999999999.99)).as_deref(),
            Some("9999999999.99")
        );
    }

    #[test]
    fn bad_prices() {
        for v in [
            json!(-1),
            json!("-0.01"),
            json!("abc"),
            json!(""),
            json!(null),
            json!(true),
            json!([1]),
            json!(1e300),
            json!(10000000000.0),
        ] {
            assert_eq!(price(v.clone()), None, "{v}");
        }
    }

    #[test]
    fn totals() {
        let p = Money::new(Decimal::new(2500000, 2));
        assert_eq!(p.times(3).unwrap().to_string(), "75000.00");
        assert!(p.times(3).unwrap().fits_total());
        let big = Money::new(Decimal::new(999999999999, 2));
        assert!(!big.times(1_000_000).unwrap().fits_total());
    }
}
