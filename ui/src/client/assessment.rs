//! Measurement-based care: the PHQ-9 / GAD-7 form and the score chart.

use bloom_core::assessment::{ANSWERS, Instrument, ScorePoint, Severity};
use dioxus::prelude::*;

use super::format_date;
use crate::i18n::use_i18n;

/// The instrument's short name as used in element ids (`phq9`, `gad7`).
pub fn id_prefix(instrument: Instrument) -> &'static str {
    match instrument {
        Instrument::Phq9 => "phq9",
        Instrument::Gad7 => "gad7",
    }
}

/// The message id of an instrument's name.
pub fn instrument_label(instrument: Instrument) -> &'static str {
    match instrument {
        Instrument::Phq9 => "phq-name",
        Instrument::Gad7 => "gad-name",
    }
}

/// The message id of a severity band's name.
pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Minimal => "score-band-minimal",
        Severity::Mild => "score-band-mild",
        Severity::Moderate => "score-band-moderate",
        Severity::ModeratelySevere => "score-band-moderately-severe",
        Severity::Severe => "score-band-severe",
    }
}

const INSTRUMENTS: [Instrument; 2] = [Instrument::Phq9, Instrument::Gad7];

/// A questionnaire to fill in: every item with the four answers as a radio
/// group, the running total, and a notice when PHQ-9 item 9 (thoughts of
/// death or self-harm) is answered above 0. Sends `(instrument, answers)`
/// with answers 0–3 in item order, once every item is answered.
///
/// Element ids: `assessment-form`, `assessment-instrument` (select; values
/// `phq-9`, `gad-7`); radios `{phq9|gad7}-item-{i}-{answer}` with `i` the item
/// number from 1 and `answer` 0–3 (e.g. `phq9-item-9-0`); `assessment-total`;
/// `phq9-item9-alert`; `assessment-submit`.
#[component]
pub fn AssessmentForm(
    on_submit: EventHandler<(Instrument, Vec<u8>)>,
    instrument: Option<Instrument>,
) -> Element {
    let i18n = use_i18n();
    let start = instrument.unwrap_or(Instrument::Phq9);
    let mut current = use_signal(move || start);
    let mut answers = use_signal(move || vec![None::<u8>; start.items().len()]);
    let inst = current();
    let given = answers();
    let complete = given.len() == inst.items().len() && given.iter().all(Option::is_some);
    let total: u8 = given.iter().flatten().sum();
    let answered = given.iter().flatten().count();
    let item9_alert =
        inst == Instrument::Phq9 && given.get(8).copied().flatten().is_some_and(|a| a > 0);
    let prefix = id_prefix(inst);
    let total_text = if complete {
        i18n.t_args(
            "assessment-total-complete",
            &[
                ("total", &total.to_string()),
                ("max", &inst.max_score().to_string()),
                ("band", &i18n.t(severity_label(inst.severity(total)))),
            ],
        )
    } else {
        i18n.t_args(
            "assessment-total-partial",
            &[
                ("answered", &answered.to_string()),
                ("items", &inst.items().len().to_string()),
            ],
        )
    };
    rsx! {
        form { class: "assessment-form", id: "assessment-form",
            onsubmit: move |e| {
                e.prevent_default();
                if complete {
                    let sent: Vec<u8> = answers().into_iter().flatten().collect();
                    on_submit.call((current(), sent));
                    answers.set(vec![None; current().items().len()]);
                }
            },
            div { class: "assessment-head",
                label { r#for: "assessment-instrument", {i18n.t("assessment-instrument")} }
                select { id: "assessment-instrument",
                    onchange: move |e| {
                        if let Some(i) = Instrument::parse(&e.value()) && i != current() {
                            current.set(i);
                            answers.set(vec![None; i.items().len()]);
                        }
                    },
                    for i in INSTRUMENTS {
                        option { key: "{i.as_str()}", value: i.as_str(), selected: i == inst, {i18n.t(instrument_label(i))} }
                    }
                }
            }
            p { class: "assessment-stem", {i18n.t("assessment-stem")} }
            ol { class: "assessment-items",
                for (n, item) in inst.items().iter().enumerate() {
                    li { key: "{prefix}-{n}", class: "assessment-item",
                        fieldset {
                            legend { span { class: "item-number", "{n + 1}. " } {*item} }
                            div { class: "answer-scale",
                                for (a, answer) in ANSWERS.iter().enumerate() {
                                    div { key: "{a}", class: "answer",
                                        input { r#type: "radio", id: "{prefix}-item-{n + 1}-{a}",
                                            name: "{prefix}-item-{n + 1}", value: "{a}",
                                            checked: given.get(n).copied().flatten() == Some(a as u8),
                                            onchange: move |_| {
                                                if let Some(slot) = answers.write().get_mut(n) {
                                                    *slot = Some(a as u8);
                                                }
                                            }
                                        }
                                        label { r#for: "{prefix}-item-{n + 1}-{a}",
                                            span { class: "answer-value", "{a}" }
                                            {*answer}
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if item9_alert {
                p { class: "safety-alert", id: "phq9-item9-alert", role: "alert", {i18n.t("phq-item9-alert")} }
            }
            p { class: "assessment-total", id: "assessment-total", "aria-live": "polite", {total_text} }
            button { id: "assessment-submit", r#type: "submit", class: "primary", disabled: !complete,
                {i18n.t("assessment-submit")} }
        }
    }
}

/// The drawing area of a score chart, in SVG user units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plot {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

/// A severity band drawn behind the points, from `low` to `high` inclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandBox {
    pub severity: Severity,
    pub low: u8,
    pub high: u8,
    pub y_top: f64,
    pub y_bottom: f64,
}

/// A score placed on the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedPoint {
    pub taken_ms: i64,
    pub total: u8,
    pub safety_alert: bool,
    pub x: f64,
    pub y: f64,
}

/// Where everything of a score chart goes.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartGeometry {
    pub width: f64,
    pub height: f64,
    pub plot: Plot,
    pub max: u8,
    pub bands: Vec<BandBox>,
    /// Oldest first.
    pub points: Vec<PlacedPoint>,
    /// Axis labels: a score and its height.
    pub ticks: Vec<(u8, f64)>,
}

/// The whole chart's size in SVG user units (it scales to its box).
pub const CHART_WIDTH: f64 = 640.0;
pub const CHART_HEIGHT: f64 = 260.0;
const PLOT: Plot = Plot {
    left: 36.0,
    top: 12.0,
    right: CHART_WIDTH - 140.0,
    bottom: CHART_HEIGHT - 32.0,
};
/// Keeps the first and last point clear of the plot's edges.
const X_PAD: f64 = 14.0;

/// The height of `score` on a chart of `max` points: 0 at the bottom, `max` at the top.
pub fn score_y(plot: Plot, max: u8, score: f64) -> f64 {
    let max = f64::from(max.max(1));
    let score = score.clamp(0.0, max);
    plot.bottom - score / max * (plot.bottom - plot.top)
}

/// Lays out `points` for `instrument`: points by time, oldest left (evenly
/// spaced when they share one instant, centred when there is one), scores
/// up the y axis, and the severity bands as horizontal boxes meeting halfway
/// between their whole-number bounds.
pub fn chart_geometry(instrument: Instrument, points: &[ScorePoint]) -> ChartGeometry {
    let plot = PLOT;
    let max = instrument.max_score();
    let bands_src = instrument.bands();
    let bands = bands_src
        .iter()
        .enumerate()
        .map(|(i, &(low, severity))| {
            let high = bands_src
                .get(i + 1)
                .map(|(next, _)| next.saturating_sub(1))
                .unwrap_or(max);
            let upper = if high >= max {
                f64::from(max)
            } else {
                f64::from(high) + 0.5
            };
            let lower = if low == 0 { 0.0 } else { f64::from(low) - 0.5 };
            BandBox {
                severity,
                low,
                high,
                y_top: score_y(plot, max, upper),
                y_bottom: score_y(plot, max, lower),
            }
        })
        .collect();

    let mut sorted: Vec<&ScorePoint> = points.iter().collect();
    sorted.sort_by(|a, b| (a.taken_ms, &a.assessment_id).cmp(&(b.taken_ms, &b.assessment_id)));
    let (first, last) = match (sorted.first(), sorted.last()) {
        (Some(f), Some(l)) => (f.taken_ms, l.taken_ms),
        _ => (0, 0),
    };
    let span = (last - first) as f64;
    let (x0, x1) = (plot.left + X_PAD, plot.right - X_PAD);
    let n = sorted.len();
    let placed = sorted
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = if n == 1 {
                (x0 + x1) / 2.0
            } else if span <= 0.0 {
                x0 + (x1 - x0) * i as f64 / (n - 1) as f64
            } else {
                x0 + (x1 - x0) * (p.taken_ms - first) as f64 / span
            };
            PlacedPoint {
                taken_ms: p.taken_ms,
                total: p.total,
                safety_alert: p.safety_alert,
                x,
                y: score_y(plot, max, f64::from(p.total)),
            }
        })
        .collect();

    let mut ticks: Vec<(u8, f64)> = bands_src
        .iter()
        .map(|&(low, _)| (low, score_y(plot, max, f64::from(low))))
        .collect();
    ticks.push((max, score_y(plot, max, f64::from(max))));

    ChartGeometry {
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        plot,
        max,
        bands,
        points: placed,
        ticks,
    }
}

/// dioxus-html has HTML's `<title>` but not SVG's; this stands in for
/// `dioxus_elements` inside the chart so that `title` is created in the SVG
/// namespace (and shows as a tooltip) on the web renderer too.
#[allow(non_upper_case_globals, unused_imports)]
mod svg_elements {
    pub use dioxus::prelude::dioxus_elements::*;

    pub mod elements {
        pub use super::title;
        pub use dioxus::prelude::dioxus_elements::elements::*;
    }

    /// SVG's `<title>`: a short text description of its parent.
    pub mod title {
        pub const TAG_NAME: &str = "title";
        pub const NAME_SPACE: Option<&str> = Some("http://www.w3.org/2000/svg");
    }
}

/// Scores over time as an inline SVG line chart, with the instrument's
/// severity bands behind the line.
///
/// Accessible as one image (`role="img"`) whose label gives the latest score;
/// each point has a `<title>` with its date and score, and a visually hidden
/// table repeats the data for screen readers.
///
/// Element ids: `score-chart` (the `svg`, `data-instrument`), one
/// `rect.score-band[data-severity]` per band, one
/// `circle.score-point[data-score]` per point (oldest first, `data-alert` when
/// item 9 was raised), `path`-free `polyline.score-line`, `score-chart-empty`
/// (no scores yet), `score-table`.
#[component]
pub fn ScoreChart(instrument: Instrument, points: Vec<ScorePoint>) -> Element {
    use svg_elements as dioxus_elements;

    let i18n = use_i18n();
    let geo = chart_geometry(instrument, &points);
    let name = i18n.t(instrument_label(instrument));
    let label = match geo.points.last() {
        Some(p) => i18n.t_args(
            "score-chart-label",
            &[
                ("instrument", &name),
                ("total", &p.total.to_string()),
                ("max", &geo.max.to_string()),
                (
                    "band",
                    &i18n.t(severity_label(instrument.severity(p.total))),
                ),
                ("date", &format_date(p.taken_ms)),
                ("count", &geo.points.len().to_string()),
            ],
        ),
        None => i18n.t_args("score-chart-label-empty", &[("instrument", &name)]),
    };
    let line: String = geo
        .points
        .iter()
        .map(|p| format!("{:.1},{:.1}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    let plot = geo.plot;
    let first_date = geo.points.first().map(|p| format_date(p.taken_ms));
    let last_date = geo.points.last().map(|p| format_date(p.taken_ms));
    let rows: Vec<(String, u8, String)> = geo
        .points
        .iter()
        .rev()
        .map(|p| {
            (
                format_date(p.taken_ms),
                p.total,
                i18n.t(severity_label(instrument.severity(p.total))),
            )
        })
        .collect();
    rsx! {
        figure { class: "score-figure",
            figcaption { class: "score-caption", {i18n.t_args("score-chart-title", &[("instrument", &name)])} }
            svg { id: "score-chart", class: "score-chart", role: "img", "aria-label": "{label}",
                "data-instrument": instrument.as_str(),
                view_box: "0 0 {geo.width} {geo.height}", preserve_aspect_ratio: "xMidYMid meet",
                g { class: "score-bands",
                    for b in geo.bands.iter().copied() {
                        g { key: "{b.low}",
                            rect { class: "score-band", "data-severity": b.severity.as_str(),
                                x: "{plot.left}", y: "{b.y_top:.1}", width: "{plot.right - plot.left}",
                                height: "{b.y_bottom - b.y_top:.1}" }
                            text { class: "score-band-label", x: "{plot.right + 8.0}",
                                y: "{(b.y_top + b.y_bottom) / 2.0:.1}", dominant_baseline: "middle",
                                {format!("{} ({}–{})", i18n.t(severity_label(b.severity)), b.low, b.high)} }
                        }
                    }
                }
                g { class: "score-axis",
                    line { x1: "{plot.left}", y1: "{plot.bottom}", x2: "{plot.right}", y2: "{plot.bottom}" }
                    line { x1: "{plot.left}", y1: "{plot.top}", x2: "{plot.left}", y2: "{plot.bottom}" }
                    for (score, y) in geo.ticks.iter().copied() {
                        text { key: "{score}", class: "score-tick", x: "{plot.left - 6.0}", y: "{y:.1}",
                            text_anchor: "end", dominant_baseline: "middle", "{score}" }
                    }
                    if let Some(d) = first_date.clone() {
                        text { class: "score-date", x: "{plot.left}", y: "{geo.height - 8.0}", text_anchor: "start", {d} }
                    }
                    if geo.points.len() > 1 {
                        if let Some(d) = last_date.clone() {
                            text { class: "score-date", x: "{plot.right}", y: "{geo.height - 8.0}", text_anchor: "end", {d} }
                        }
                    }
                }
                if geo.points.len() > 1 {
                    polyline { class: "score-line", points: "{line}" }
                }
                for (i, p) in geo.points.iter().cloned().enumerate() {
                    circle { key: "{i}", class: "score-point", "data-score": "{p.total}",
                        "data-alert": if p.safety_alert { "true" } else { "false" },
                        cx: "{p.x:.1}", cy: "{p.y:.1}", r: "5",
                        title {
                            {i18n.t_args("score-point-title", &[
                                ("date", &format_date(p.taken_ms)),
                                ("total", &p.total.to_string()),
                                ("band", &i18n.t(severity_label(instrument.severity(p.total)))),
                            ])}
                        }
                    }
                }
            }
            if rows.is_empty() {
                p { class: "empty-state", id: "score-chart-empty", {i18n.t("score-chart-empty")} }
            } else {
                table { class: "visually-hidden", id: "score-table",
                    caption { {i18n.t_args("score-chart-title", &[("instrument", &name)])} }
                    thead {
                        tr {
                            th { scope: "col", {i18n.t("score-table-date")} }
                            th { scope: "col", {i18n.t("score-table-score")} }
                            th { scope: "col", {i18n.t("score-table-band")} }
                        }
                    }
                    tbody {
                        for (i, (date, total, band)) in rows.into_iter().enumerate() {
                            tr { key: "{i}", td { {date} } td { "{total}" } td { {band} } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_util::render;
    use crate::i18n::{I18n, Locale};

    fn point(id: &str, taken_ms: i64, total: u8) -> ScorePoint {
        ScorePoint {
            assessment_id: id.into(),
            taken_ms,
            total,
            safety_alert: false,
        }
    }

    const DAY: i64 = 86_400_000;

    #[test]
    fn every_label_exists() {
        let en = I18n::new(Locale::En);
        for i in INSTRUMENTS {
            assert!(en.has(instrument_label(i)), "{i:?}");
            for &(_, s) in i.bands() {
                assert!(en.has(severity_label(s)), "{s:?}");
            }
        }
    }

    #[test]
    fn zero_is_at_the_bottom_and_the_maximum_at_the_top() {
        for instrument in INSTRUMENTS {
            let max = instrument.max_score();
            let g = chart_geometry(instrument, &[point("a", 0, 0), point("b", DAY, max)]);
            assert_eq!(g.points[0].y, g.plot.bottom);
            assert_eq!(g.points[1].y, g.plot.top);
            assert!(
                g.points
                    .iter()
                    .all(|p| p.x > g.plot.left && p.x < g.plot.right)
            );
        }
    }

    #[test]
    fn points_are_sorted_by_time_and_spaced_by_time() {
        let g = chart_geometry(
            Instrument::Phq9,
            &[
                point("c", 10 * DAY, 8),
                point("a", 0, 20),
                point("b", 5 * DAY, 12),
            ],
        );
        let totals: Vec<u8> = g.points.iter().map(|p| p.total).collect();
        assert_eq!(totals, [20, 12, 8]);
        assert!(g.points.windows(2).all(|w| w[0].x < w[1].x));
        let mid = (g.points[0].x + g.points[2].x) / 2.0;
        assert!((g.points[1].x - mid).abs() < 1e-9);
        // Higher scores sit higher (smaller y).
        assert!(g.points[0].y < g.points[1].y && g.points[1].y < g.points[2].y);
    }

    #[test]
    fn one_point_is_centred_and_ties_are_spread() {
        let g = chart_geometry(Instrument::Gad7, &[point("a", 5, 7)]);
        assert_eq!(g.points.len(), 1);
        let centre = (g.plot.left + g.plot.right) / 2.0;
        assert!((g.points[0].x - centre).abs() < 1e-9);
        let g = chart_geometry(Instrument::Gad7, &[point("a", 5, 7), point("b", 5, 9)]);
        assert!(g.points[0].x < g.points[1].x);
        assert!(chart_geometry(Instrument::Gad7, &[]).points.is_empty());
    }

    #[test]
    fn bands_follow_the_cut_offs_and_tile_the_plot() {
        let g = chart_geometry(Instrument::Phq9, &[]);
        let ranges: Vec<(u8, u8)> = g.bands.iter().map(|b| (b.low, b.high)).collect();
        assert_eq!(ranges, [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)]);
        assert_eq!(g.bands[0].y_bottom, g.plot.bottom);
        assert_eq!(g.bands[4].y_top, g.plot.top);
        assert!(
            g.bands
                .windows(2)
                .all(|w| (w[0].y_top - w[1].y_bottom).abs() < 1e-9)
        );
        let g = chart_geometry(Instrument::Gad7, &[]);
        let ranges: Vec<(u8, u8)> = g.bands.iter().map(|b| (b.low, b.high)).collect();
        assert_eq!(ranges, [(0, 4), (5, 9), (10, 14), (15, 21)]);
        // Each score's point lies inside its own band.
        for total in 0..=21 {
            let y = score_y(g.plot, g.max, f64::from(total));
            let band = Instrument::Gad7.severity(total);
            let b = g.bands.iter().find(|b| b.severity == band);
            assert!(
                b.is_some_and(|b| b.y_top <= y && y <= b.y_bottom),
                "{total}"
            );
        }
    }

    #[test]
    fn the_chart_has_a_point_per_score_and_the_bands() {
        fn app() -> Element {
            let mut points = vec![
                point("a", 1_709_251_200_000, 14),
                point("b", 1_706_745_600_000, 21),
            ];
            points[0].safety_alert = true;
            rsx! { ScoreChart { instrument: Instrument::Phq9, points } }
        }
        let html = render(app);
        assert!(html.contains(r#"id="score-chart""#), "{html}");
        assert!(html.contains(r#"role="img""#), "{html}");
        assert_eq!(html.matches(r#"class="score-point""#).count(), 2, "{html}");
        assert!(html.contains(r#"data-score="14""#), "{html}");
        assert!(html.contains(r#"data-score="21""#), "{html}");
        assert!(
            html.find(r#"data-score="21""#) < html.find(r#"data-score="14""#),
            "{html}"
        );
        assert_eq!(html.matches(r#"class="score-band""#).count(), 5, "{html}");
        for s in ["minimal", "mild", "moderate", "moderately-severe", "severe"] {
            assert!(html.contains(&format!("data-severity=\"{s}\"")), "{html}");
        }
        assert!(html.contains("<title>2024-03-01: 14"), "{html}");
        assert!(
            html.contains(r#"aria-label="PHQ-9: latest score 14 of 27 (Moderate) on 2024-03-01"#),
            "{html}"
        );
        assert!(html.contains("score-line"), "{html}");
        assert!(html.contains(r#"data-alert="true""#), "{html}");
        assert!(html.contains(r#"id="score-table""#), "{html}");
    }

    #[test]
    fn one_score_and_no_scores_render() {
        fn one() -> Element {
            rsx! { ScoreChart { instrument: Instrument::Gad7, points: vec![point("a", 0, 3)] } }
        }
        let html = render(one);
        assert_eq!(html.matches(r#"class="score-point""#).count(), 1, "{html}");
        assert_eq!(html.matches(r#"class="score-band""#).count(), 4, "{html}");
        assert!(!html.contains("score-line"), "{html}");
        fn none() -> Element {
            rsx! { ScoreChart { instrument: Instrument::Gad7, points: vec![] } }
        }
        let html = render(none);
        assert!(html.contains(r#"id="score-chart-empty""#), "{html}");
        assert!(!html.contains("score-point"), "{html}");
    }

    #[test]
    fn the_form_has_a_radio_per_item_and_answer() {
        fn app() -> Element {
            rsx! { AssessmentForm { on_submit: |_| {} } }
        }
        let html = render(app);
        for i in 1..=9 {
            for a in 0..4 {
                assert!(
                    html.contains(&format!("id=\"phq9-item-{i}-{a}\"")),
                    "{i} {a}: {html}"
                );
            }
        }
        assert_eq!(html.matches(r#"type="radio""#).count(), 36, "{html}");
        assert!(html.contains("Nearly every day"), "{html}");
        assert!(html.contains(r#"id="assessment-submit""#), "{html}");
        assert!(html.contains("disabled"), "{html}");
        assert!(!html.contains("phq9-item9-alert"), "{html}");

        fn gad() -> Element {
            rsx! { AssessmentForm { on_submit: |_| {}, instrument: Instrument::Gad7 } }
        }
        let html = render(gad);
        assert_eq!(html.matches(r#"type="radio""#).count(), 28, "{html}");
        assert!(html.contains(r#"id="gad7-item-7-3""#), "{html}");
    }
}
