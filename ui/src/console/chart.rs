//! A small server-rendered line chart (SVG), readable without JavaScript and
//! by screen readers (a text summary beside it).

use dioxus::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 160.0;
const PAD: f64 = 24.0;

/// Scales `values` (oldest first) into SVG polyline points.
pub fn polyline(values: &[f64]) -> String {
    if values.is_empty() {
        return String::new();
    }
    let max = values.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let step = if values.len() > 1 {
        (WIDTH - 2.0 * PAD) / (values.len() - 1) as f64
    } else {
        0.0
    };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = PAD + step * i as f64;
            let y = HEIGHT - PAD - (v.max(0.0) / max) * (HEIGHT - 2.0 * PAD);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn LineChart(
    id: String,
    title: String,
    summary: String,
    values: Vec<f64>,
    max_label: String,
) -> Element {
    let points = polyline(&values);
    let title_id = format!("{id}-title");
    rsx! {
        figure { class: "chart", id: "{id}",
            svg { view_box: "0 0 {WIDTH} {HEIGHT}", role: "img", "aria-labelledby": "{title_id}", width: "100%",
                title { id: "{title_id}", "{title}: {summary}" }
                line { x1: "{PAD}", y1: "{HEIGHT - PAD}", x2: "{WIDTH - PAD}", y2: "{HEIGHT - PAD}", class: "axis" }
                line { x1: "{PAD}", y1: "{PAD}", x2: "{PAD}", y2: "{HEIGHT - PAD}", class: "axis" }
                text { x: "{PAD + 4.0}", y: "{PAD - 6.0}", class: "tick", {max_label} }
                polyline { points: "{points}", class: "series", fill: "none" }
            }
            figcaption { strong { {title.clone()} } " — " {summary} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_span_the_width_and_the_peak_touches_the_top() {
        let p = polyline(&[0.0, 5.0, 10.0]);
        let pts: Vec<&str> = p.split(' ').collect();
        assert_eq!(pts.len(), 3);
        assert_eq!(pts[0], format!("{PAD:.1},{:.1}", HEIGHT - PAD));
        assert_eq!(pts[2], format!("{:.1},{PAD:.1}", WIDTH - PAD));
        assert_eq!(polyline(&[]), "");
        assert_eq!(polyline(&[f64::NAN]).split(' ').count(), 1);
    }
}
