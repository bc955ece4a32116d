//! Text as Vietnamese readers expect it: search that ignores diacritics and case ("quang tien"
//! finds "Quảng Tiến"), and sorting by the Vietnamese alphabet (a ă â b c d đ e ê …, tones after
//! letters), not by bytes.

use std::cmp::Ordering;
use std::sync::LazyLock;

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};
use icu_locale_core::locale;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The search key of a text: lower case, without diacritics (đ becomes d), words separated by
/// single spaces. Two texts a person would call "the same words" have the same key.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Whether every word of `query` occurs in `text`, ignoring case and diacritics. An empty query
/// matches nothing.
pub fn matches(text: &str, query: &str) -> bool {
    let key = fold(text);
    let query = fold(query);
    !query.is_empty() && query.split(' ').all(|word| key.contains(word))
}

static VIETNAMESE: LazyLock<CollatorBorrowed<'static>> = LazyLock::new(|| {
    Collator::try_new(locale!("vi").into(), CollatorOptions::default())
        .expect("the Vietnamese collation is compiled in")
});

/// Compares two texts in Vietnamese alphabetical order.
pub fn collate(a: &str, b: &str) -> Ordering {
    VIETNAMESE.compare(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_diacritics_case_and_extra_spaces() {
        assert_eq!(fold("Phường Quảng Tiến"), "phuong quang tien");
        assert_eq!(fold("  ĐẠI   Đồng "), "dai dong");
        // Decomposed input (as some keyboards send it) folds the same.
        assert_eq!(fold("Qua\u{309}ng"), fold("Quảng"));
        assert_eq!(fold("HT-03"), "ht-03");
    }

    #[test]
    fn every_word_of_the_query_must_occur() {
        assert!(matches("Phường Quảng Tiến", "quang tien"));
        assert!(matches("Phường Quảng Tiến", "TIEN quang"));
        assert!(matches("Phường Quảng Tiến", "Quảng"));
        assert!(!matches("Phường Quảng Tiến", "quang thọ"));
        assert!(!matches("Phường Quảng Tiến", "   "));
    }

    #[test]
    fn sorts_by_the_vietnamese_alphabet() {
        let mut names = vec![
            "Đông Sơn",
            "Dân Lực",
            "Ân Thi",
            "An Lão",
            "Bắc Sơn",
            "Ba Đình",
            "Ẳng Nưa",
            "Ăn Bình",
            "Zã",
        ];
        names.sort_by(|a, b| collate(a, b));
        // a < ă < â, and d < đ, whatever the tone; tones only break ties.
        assert_eq!(
            names,
            [
                "An Lão",
                "Ăn Bình",
                "Ẳng Nưa",
                "Ân Thi",
                "Ba Đình",
                "Bắc Sơn",
                "Dân Lực",
                "Đông Sơn",
                "Zã"
            ]
        );
        // Bytes would put "Đ" (U+0110) after "Z".
        assert_eq!(collate("Đông", "Zã"), Ordering::Less);
    }
}
