//! The HTML document around a server-rendered page.

use crate::i18n::I18n;

/// Wraps rendered body HTML in a complete document. `title` is escaped here;
/// `body` must come from the Dioxus renderer, which escapes its text.
pub fn html_document(i18n: &I18n, title: &str, stylesheet: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"{css}\"></head>\
         <body>{body}</body></html>",
        lang = i18n.locale().tag(),
        title = escape(title),
        css = escape(stylesheet),
    )
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn title_is_escaped_and_lang_set() {
        let doc = html_document(
            &I18n::new(Locale::En),
            "<b>\"x\"</b>",
            "/a.css",
            "<p>hi</p>",
        );
        assert!(doc.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(
            doc.contains("<title>&lt;b&gt;&quot;x&quot;&lt;/b&gt;</title>"),
            "{doc}"
        );
        assert!(doc.contains("<body><p>hi</p></body>"));
    }
}
