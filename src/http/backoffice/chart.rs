//! Charts drawn on the server as inline SVG: no script, nothing fetched, no inline style
//! (the pages' security policy forbids it; colours and sizes are classes of the style
//! sheet). A chart has a `viewBox` and takes the width of its column, so it reads on a
//! phone; it is a picture only (`role="img"` and its title, also shown as its caption): the
//! numbers it draws follow it as a table ([`table`]) for screen readers, copying and
//! exporting.
//!
//! Three shapes: [`columns`] (a value per day, left to right), [`bars`] (ranked things,
//! top to bottom, each with its label and value written out) and [`line`] (a level over
//! time). Values below zero are drawn as zero; no data draws a message instead of an
//! empty frame.

use maud::{Markup, html};

/// One value to draw: its label (under a column, beside a bar) and the value as written
/// in the table (`12 500 CDF`).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// Narrow enough that the text stays readable once a phone scales the chart down.
const WIDTH: f64 = 420.0;
const PLOT_HEIGHT: f64 = 180.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 18.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 28.0;

/// The top of an axis: the smallest of 1, 2, 2.5 and 5 times a power of ten at or above
/// `max` (1 when there is nothing to draw), so that ticks fall on round figures.
pub fn axis_top(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|top| *top >= max * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// Where `value` lands on an axis of `length` whose top is `top`: 0 at the bottom, never
/// past either end.
pub fn scaled(value: f64, top: f64, length: f64) -> f64 {
    if !value.is_finite() || top <= 0.0 {
        return 0.0;
    }
    (value / top).clamp(0.0, 1.0) * length
}

/// A tick's label, short: `0`, `500`, `12 k`, `2,5 M`.
pub fn tick(value: f64) -> String {
    let (scaled, suffix) = if value >= 1e9 {
        (value / 1e9, " G")
    } else if value >= 1e6 {
        (value / 1e6, " M")
    } else if value >= 1e3 {
        (value / 1e3, " k")
    } else {
        (value, "")
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{}{suffix}", text.replace('.', ","))
}

fn max_of(points: &[Point]) -> f64 {
    points.iter().map(|p| p.value).fold(0.0, f64::max)
}

fn empty(message: &str) -> Markup {
    html! { p.muted.chart-empty { (message) } }
}

/// The y axis of a plot `top` high: its grid lines and their labels at 0, half and top.
fn y_axis(top: f64) -> Markup {
    html! {
        @for i in 0..=2 {
            @let value = top * f64::from(i) / 2.0;
            @let y = TOP + PLOT_HEIGHT - scaled(value, top, PLOT_HEIGHT);
            line.grid x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y) y2=(y) {}
            text.tick x=(LEFT - 6.0) y=(y + 4.0) text-anchor="end" { (tick(value)) }
        }
    }
}

/// The label of every `every`-th point under the plot.
fn x_labels(points: &[Point], slot: f64, every: usize) -> Markup {
    html! {
        @for (i, p) in points.iter().enumerate() {
            @if i % every == 0 || i + 1 == points.len() {
                text.tick x=(LEFT + slot * (i as f64 + 0.5)) y=(TOP + PLOT_HEIGHT + 18.0) text-anchor="middle" { (p.label) }
            }
        }
    }
}

fn frame(title: &str, class: &str, height: f64, inside: Markup) -> Markup {
    html! {
        figure.chart {
            figcaption { (title) }
            svg class=(class) viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(title)
                xmlns="http://www.w3.org/2000/svg" {
                title { (title) }
                (inside)
            }
        }
    }
}

/// A column per point, left to right (days), on a shared axis; `class` colours them
/// (`cdf`, `usd`).
pub fn columns(title: &str, class: &str, points: &[Point], if_empty: &str) -> Markup {
    if points.iter().all(|p| p.value <= 0.0) {
        return empty(if_empty);
    }
    let top = axis_top(max_of(points));
    let slot = (WIDTH - LEFT - RIGHT) / points.len() as f64;
    let every = points.len().div_ceil(6).max(1);
    frame(
        title,
        &format!("columns {class}"),
        TOP + PLOT_HEIGHT + BOTTOM,
        html! {
            (y_axis(top))
            @for (i, p) in points.iter().enumerate() {
                @let h = scaled(p.value, top, PLOT_HEIGHT);
                rect.bar x=(LEFT + slot * i as f64 + slot * 0.15) y=(TOP + PLOT_HEIGHT - h)
                    width=(slot * 0.7) height=(h) {
                    title { (p.label) " : " (p.shown) }
                }
            }
            (x_labels(points, slot, every))
        },
    )
}

const ROW: f64 = 30.0;
const LABEL_WIDTH: f64 = 130.0;
const VALUE_WIDTH: f64 = 95.0;

/// A bar per point, top to bottom, its label before it and its value after it.
pub fn bars(title: &str, class: &str, points: &[Point], if_empty: &str) -> Markup {
    if points.iter().all(|p| p.value <= 0.0) {
        return empty(if_empty);
    }
    let top = max_of(points);
    let length = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    frame(
        title,
        &format!("bars {class}"),
        ROW * points.len() as f64 + 4.0,
        html! {
            @for (i, p) in points.iter().enumerate() {
                @let y = ROW * i as f64 + 4.0;
                @let w = scaled(p.value, top, length);
                text.label x="0" y=(y + 17.0) { (shorten(&p.label, 16)) }
                rect.bar x=(LABEL_WIDTH) y=(y) width=(w) height=(ROW - 8.0) {
                    title { (p.label) " : " (p.shown) }
                }
                text.value x=(LABEL_WIDTH + w + 6.0) y=(y + 17.0) { (p.shown) }
            }
        },
    )
}

/// A line through the points, left to right (days), with a dot on each.
pub fn line(title: &str, class: &str, points: &[Point], if_empty: &str) -> Markup {
    if points.is_empty() || points.iter().all(|p| p.value <= 0.0) {
        return empty(if_empty);
    }
    let top = axis_top(max_of(points));
    let slot = (WIDTH - LEFT - RIGHT) / points.len() as f64;
    let every = points.len().div_ceil(6).max(1);
    let at = |i: usize, p: &Point| {
        (
            LEFT + slot * (i as f64 + 0.5),
            TOP + PLOT_HEIGHT - scaled(p.value, top, PLOT_HEIGHT),
        )
    };
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = at(i, p);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    frame(
        title,
        &format!("line {class}"),
        TOP + PLOT_HEIGHT + BOTTOM,
        html! {
            (y_axis(top))
            polyline.trace points=(path.join(" ")) {}
            @for (i, p) in points.iter().enumerate() {
                @let (x, y) = at(i, p);
                circle.dot cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="3" {
                    title { (p.label) " : " (p.shown) }
                }
            }
            (x_labels(points, slot, every))
        },
    )
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(chars - 1).collect();
    short.push('…');
    short
}

/// A chart's numbers as a table: its caption, column headers (`true`: a number, aligned
/// right), and rows whose first cell names the row.
pub fn table(caption: &str, head: &[(&str, bool)], rows: &[Vec<String>]) -> Markup {
    html! {
        div.table-wrap { table.chart-data {
            caption { (caption) }
            thead { tr { @for (name, numeric) in head {
                th class=[numeric.then_some("num")] scope="col" { (name) }
            } } }
            tbody {
                @for row in rows {
                    tr {
                        @for (i, cell) in row.iter().enumerate() {
                            @let numeric = head.get(i).is_some_and(|(_, n)| *n);
                            @let class = numeric.then_some("num");
                            @if i == 0 { th class=[class] scope="row" { (cell) } }
                            @else { td class=[class] { (cell) } }
                        }
                    }
                }
            }
        } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(label: &str, value: f64) -> Point {
        Point {
            label: label.to_owned(),
            value,
            shown: format!("{value} CDF"),
        }
    }

    #[test]
    fn axes_end_on_round_figures() {
        assert_eq!(axis_top(0.0), 1.0);
        assert_eq!(axis_top(-5.0), 1.0);
        assert_eq!(axis_top(f64::NAN), 1.0);
        assert_eq!(axis_top(1.0), 1.0);
        assert_eq!(axis_top(7.5), 10.0);
        assert_eq!(axis_top(30_000.0), 50_000.0);
        assert_eq!(axis_top(25_000.0), 25_000.0);
        assert_eq!(axis_top(120_000.0), 200_000.0);
        assert_eq!(axis_top(0.3), 0.5);
        assert_eq!(axis_top(1_000_001.0), 2_000_000.0);
    }

    #[test]
    fn values_land_inside_the_plot() {
        assert_eq!(scaled(25.0, 100.0, 180.0), 45.0);
        assert_eq!(scaled(100.0, 100.0, 180.0), 180.0);
        assert_eq!(scaled(-3.0, 100.0, 180.0), 0.0);
        assert_eq!(scaled(500.0, 100.0, 180.0), 180.0);
        assert_eq!(scaled(5.0, 0.0, 180.0), 0.0);
        assert_eq!(scaled(f64::INFINITY, 10.0, 180.0), 0.0);
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(500.0), "500");
        assert_eq!(tick(25_000.0), "25 k");
        assert_eq!(tick(2_500_000.0), "2,5 M");
        assert_eq!(tick(1.25), "1,25");
    }

    #[test]
    fn no_data_draws_a_message_not_an_empty_frame() {
        for chart in [columns, bars, line] {
            let drawn = chart("Ventes", "cdf", &[], "Aucune vente.").into_string();
            assert!(!drawn.contains("<svg"), "{drawn}");
            assert!(drawn.contains("Aucune vente."), "{drawn}");
            let zeros = chart("Ventes", "cdf", &[point("01/12", 0.0)], "Rien.").into_string();
            assert!(!zeros.contains("<svg"), "{zeros}");
        }
    }

    #[test]
    fn the_highest_value_fills_the_plot_and_the_others_scale_to_it() {
        let drawn = columns(
            "Ventes par jour",
            "cdf",
            &[
                point("01/12", 25_000.0),
                point("02/12", 0.0),
                point("03/12", 12_500.0),
            ],
            "",
        )
        .into_string();
        assert!(drawn.contains(r#"viewBox="0 0 420 218""#), "{drawn}");
        assert!(drawn.contains(r#"role="img" aria-label="Ventes par jour""#));
        // The top is 25 000: the first column is the plot's height, the third half of it.
        assert!(drawn.contains(r#"height="180""#), "{drawn}");
        assert!(drawn.contains(r#"height="90""#), "{drawn}");
        assert!(drawn.contains(r#"height="0""#), "{drawn}");
        assert!(
            drawn.contains("<title>03/12 : 12500 CDF</title>"),
            "{drawn}"
        );
        assert!(!drawn.contains("style="), "{drawn}");

        let ranked =
            bars("Top", "cdf", &[point("Riz", 40.0), point("Sel", 10.0)], "").into_string();
        // The largest bar spans the whole length between the labels and the values.
        assert!(ranked.contains(r#"width="195""#), "{ranked}");
        assert!(ranked.contains(r#"width="48.75""#), "{ranked}");
        assert!(ranked.contains(">40 CDF</text>"), "{ranked}");

        let traced = line("Stock", "cdf", &[point("a", 0.0), point("b", 10.0)], "").into_string();
        // From the bottom of the plot (y = 190) to its top (y = 10).
        assert!(
            traced.contains(r#"points="136.5,190.0 313.5,10.0""#),
            "{traced}"
        );
    }

    #[test]
    fn tables_name_their_rows_and_columns() {
        let t = table(
            "Ventes par jour",
            &[("Jour", false), ("CDF", true)],
            &[vec!["01/12".into(), "25 000 CDF".into()]],
        )
        .into_string();
        assert!(t.contains("<caption>Ventes par jour</caption>"), "{t}");
        assert!(
            t.contains(r#"<th scope="col">Jour</th><th class="num" scope="col">CDF</th>"#),
            "{t}"
        );
        assert!(
            t.contains(r#"<th scope="row">01/12</th><td class="num">25 000 CDF</td>"#),
            "{t}"
        );
    }
}
