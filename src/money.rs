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

/// The currencies a shop sells in: Congolese francs and US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, utoipa::ToSchema)]
pub enum Currency {
    #[default]
    #[serde(rename = "CDF")]
    Cdf,
    #[serde(rename = "USD")]
    Usd,
}

impl Currency {
    pub fn as_str(self) -> &'static str {
        match self {
            Currency::Cdf => "CDF",
            Currency::Usd => "USD",
        }
    }

    /// `CDF` or `USD`, in any case.
    pub fn parse(value: &str) -> Option<Currency> {
        match value.trim().to_ascii_uppercase().as_str() {
            "CDF" => Some(Currency::Cdf),
            "USD" => Some(Currency::Usd),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An exchange rate: Congolese francs for one US dollar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(Money);

impl Rate {
    /// The rate of a shop with none set, as the 2026 tills assume.
    pub const DEFAULT: Rate = Rate(Money(Decimal::from_parts(280_000, 0, 0, false, 2)));

    /// A rate from its stored amount; `None` unless it is above zero.
    pub fn new(cdf_per_usd: Decimal) -> Option<Rate> {
        (cdf_per_usd > Decimal::ZERO).then(|| Rate(Money::new(cdf_per_usd)))
    }

    pub fn amount(self) -> Money {
        self.0
    }

    /// `amount` in `to`, from `from`, rounded half-up to two places.
    pub fn convert(self, amount: Money, from: Currency, to: Currency) -> Money {
        match (from, to) {
            (Currency::Usd, Currency::Cdf) => Money::new(amount.0 * self.0.0),
            (Currency::Cdf, Currency::Usd) => Money::new(amount.0 / self.0.0),
            _ => amount,
        }
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
    fn conversions_at_a_rate() {
        let rate = Rate::new(Decimal::from(2850)).unwrap();
        let usd = Money::new(Decimal::new(1050, 2));
        assert_eq!(
            rate.convert(usd, Currency::Usd, Currency::Cdf).to_string(),
            "29925.00"
        );
        let cdf = Money::new(Decimal::from(10000));
        // 10000 / 2850 = 3.5087…: half-up to two places.
        assert_eq!(
            rate.convert(cdf, Currency::Cdf, Currency::Usd).to_string(),
            "3.51"
        );
        assert_eq!(rate.convert(cdf, Currency::Cdf, Currency::Cdf), cdf);
        assert_eq!(Rate::DEFAULT.amount().to_string(), "2800.00");
        assert!(Rate::new(Decimal::ZERO).is_none());
        assert_eq!(Currency::parse(" usd"), Some(Currency::Usd));
        assert_eq!(Currency::parse("EUR"), None);
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
