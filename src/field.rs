//! A value given to the domain that it cannot take, named: every door (the administration
//! API, the back-office) reports it against the field of its own form or body.

/// The field at fault and what it should have held, in French for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Champ '{field}' invalide : {expected}")]
pub struct Invalid {
    pub field: String,
    pub expected: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, expected: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            expected: expected.into(),
        }
    }
}

/// A text of 1 to `max` characters once trimmed.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("un texte de 1 à {max} caractères est attendu"),
        ));
    }
    Ok(value.to_owned())
}

/// [`text`], when the field may be left out.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Invalid> {
    value.map(|v| text(field, v, max)).transpose()
}

/// A text that may be empty (a description, a comment), trimmed, of `max` characters at most.
pub fn free_text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    if value.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("un texte de {max} caractères au plus est attendu"),
        ));
    }
    Ok(value.trim().to_owned())
}

/// A whole number within `min..=max`.
pub fn int(field: &str, value: i64, min: i64, max: i64) -> Result<i64, Invalid> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::new(
            field,
            format!("un entier de {min} à {max} est attendu"),
        ))
    }
}

/// An id: a whole number from 1. Anything else names nothing, and is said so rather than
/// looked up.
pub fn id(field: &str, value: i64) -> Result<i64, Invalid> {
    if value >= 1 {
        Ok(value)
    } else {
        Err(Invalid::new(field, "un identifiant entier est attendu"))
    }
}
