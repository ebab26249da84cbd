//! The relay's health: state, counters and charts of the last hours.

use dioxus::prelude::*;

use super::chart::LineChart;
use crate::i18n::use_i18n;

/// One chart: id, title message id, values oldest first, and the unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub id: String,
    pub title_id: String,
    pub values: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthFacts {
    pub version: String,
    pub uptime: String,
    pub storage: String,
    pub devices_online: u64,
    pub inbox_waiting: u64,
    pub open_tickets: u64,
}

#[component]
pub fn HealthPage(facts: HealthFacts, series: Vec<Series>, minutes_per_point: u32) -> Element {
    let i18n = use_i18n();
    let online = facts.devices_online.to_string();
    let waiting = facts.inbox_waiting.to_string();
    let tickets = facts.open_tickets.to_string();
    rsx! {
        h1 { {i18n.t("console-health-title")} }
        dl { id: "health-facts",
            dt { {i18n.t("relay-home-version")} } dd { {facts.version.clone()} }
            dt { {i18n.t("console-health-uptime")} } dd { {facts.uptime.clone()} }
            dt { {i18n.t("console-health-storage")} } dd { {facts.storage.clone()} }
            dt { {i18n.t("console-health-online")} } dd { id: "devices-online", {online} }
            dt { {i18n.t("console-health-inbox")} } dd { {waiting} }
            dt { {i18n.t("console-nav-tickets")} } dd { {tickets} }
        }
        p { class: "help", {i18n.t_args("console-health-help", &[("minutes", minutes_per_point.to_string().as_str())])} }
        for s in series {
            {
                let last = s.values.last().copied().unwrap_or(0.0);
                let max = s.values.iter().copied().fold(0.0_f64, f64::max);
                let total: f64 = s.values.iter().sum();
                let summary = i18n.t_args("console-chart-summary", &[("last", format!("{last:.0}").as_str()), ("max", format!("{max:.0}").as_str()), ("total", format!("{total:.0}").as_str())]);
                rsx! { LineChart { id: s.id.clone(), title: i18n.t(&s.title_id), summary, values: s.values.clone(), max_label: format!("{max:.0}") } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::render;

    #[test]
    fn each_series_is_a_labelled_svg() {
        let facts = HealthFacts {
            version: "0.1".into(),
            uptime: "1 h".into(),
            storage: "SQLite".into(),
            devices_online: 3,
            inbox_waiting: 0,
            open_tickets: 1,
        };
        let series = vec![Series {
            id: "chart-connections".into(),
            title_id: "console-chart-connections".into(),
            values: vec![1.0, 3.0, 2.0],
        }];
        let html = render(rsx! { HealthPage { facts, series, minutes_per_point: 1 } });
        assert!(html.contains(r#"id="chart-connections""#), "{html}");
        assert!(html.contains(r#"role="img""#), "{html}");
        assert!(html.contains("<polyline"), "{html}");
    }
}
