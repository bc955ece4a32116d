//! The typeface PDFs are set in. Administrative documents are set in Times New Roman
//! (Nghị định 30/2020/NĐ-CP); a font with the same metrics is looked for on the system, so that a
//! PDF breaks its lines where the DOCX opened in Word would. Without one, the Libertinus Serif
//! compiled into the binary is used: it covers Vietnamese, though its lines break elsewhere.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider};

use crate::DocumentError;

/// The bytes of one font file, shared: embedded fonts are borrowed from the binary, system fonts
/// are read once per process.
pub type FontBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// The four styles of one family.
#[derive(Clone)]
pub struct Fonts {
    pub regular: FontBytes,
    pub bold: FontBytes,
    pub italic: FontBytes,
    pub bold_italic: FontBytes,
    /// The family's name, as the fonts give it, e.g. "Liberation Serif".
    pub family: String,
}

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fonts")
            .field("family", &self.family)
            .finish_non_exhaustive()
    }
}

/// Families with the metrics of Times New Roman, best first.
const TIMES_COMPATIBLE_FAMILIES: [&str; 3] = ["Times New Roman", "Liberation Serif", "Tinos"];

/// Where Debian and Ubuntu put those families.
const SYSTEM_FONT_DIRS: [&str; 4] = [
    "/usr/share/fonts/truetype/msttcorefonts",
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/croscore",
];

const EMBEDDED_FAMILY: &str = "Libertinus Serif";

impl Fonts {
    /// A Times New Roman–compatible family from `TIENDO_FONT_DIR` or the system font folders,
    /// else the embedded one. Looked for once per process.
    pub fn find() -> Result<&'static Fonts, DocumentError> {
        static FOUND: OnceLock<Option<Fonts>> = OnceLock::new();
        match FOUND.get_or_init(find_on_system) {
            Some(fonts) => Ok(fonts),
            None => Fonts::embedded(),
        }
    }

    /// Libertinus Serif, compiled into the binary: the same on every machine.
    pub fn embedded() -> Result<&'static Fonts, DocumentError> {
        static EMBEDDED: OnceLock<Result<Fonts, String>> = OnceLock::new();
        EMBEDDED
            .get_or_init(load_embedded)
            .as_ref()
            .map_err(|message| DocumentError::Write {
                format: "PDF",
                message: message.clone(),
            })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

impl Style {
    const ALL: [Style; 4] = [Style::Regular, Style::Bold, Style::Italic, Style::BoldItalic];

    /// The subfamily name (name ID 2) that the four styles of a family carry.
    fn from_subfamily(name: &str) -> Option<Style> {
        match name {
            "Regular" | "Normal" | "Roman" => Some(Style::Regular),
            "Bold" => Some(Style::Bold),
            "Italic" | "Oblique" => Some(Style::Italic),
            "Bold Italic" | "BoldItalic" | "Bold Oblique" => Some(Style::BoldItalic),
            _ => None,
        }
    }
}

/// One family's fonts by style, as found so far.
#[derive(Default)]
struct Family {
    styles: BTreeMap<Style, FontBytes>,
}

impl Family {
    fn complete(mut self, name: &str) -> Option<Fonts> {
        let mut take = |style| self.styles.remove(&style);
        Some(Fonts {
            regular: take(Style::Regular)?,
            bold: take(Style::Bold)?,
            italic: take(Style::Italic)?,
            bold_italic: take(Style::BoldItalic)?,
            family: name.to_owned(),
        })
    }
}

fn find_on_system() -> Option<Fonts> {
    let chosen_dir = std::env::var_os("TIENDO_FONT_DIR").map(PathBuf::from);
    chosen_dir
        .iter()
        .map(PathBuf::as_path)
        .chain(SYSTEM_FONT_DIRS.iter().map(Path::new))
        .find_map(times_compatible_family_in)
}

/// The first Times-compatible family in `dir` that has all four styles and covers Vietnamese.
fn times_compatible_family_in(dir: &Path) -> Option<Fonts> {
    let mut families = fonts_in(dir, &TIMES_COMPATIBLE_FAMILIES);
    TIMES_COMPATIBLE_FAMILIES
        .iter()
        .find_map(|name| families.remove(*name)?.complete(name))
}

/// The fonts in `dir` (not its subfolders) whose family is one of `wanted`, covering Vietnamese.
fn fonts_in(dir: &Path, wanted: &[&str]) -> BTreeMap<String, Family> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return families;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| is_font_file(path))
        .collect();
    // Sorted, so that a folder holding two copies of a style always yields the same one.
    paths.sort();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Some((family, style)) = identify(&bytes) else {
            continue;
        };
        if !wanted.contains(&family.as_str()) {
            continue;
        }
        let styles = &mut families.entry(family).or_default().styles;
        styles
            .entry(style)
            .or_insert_with(|| Arc::new(bytes) as FontBytes);
    }
    families
}

fn is_font_file(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            extension.eq_ignore_ascii_case("ttf") || extension.eq_ignore_ascii_case("otf")
        })
}

/// The family and style of a font that can set Vietnamese; `None` for anything else.
fn identify(bytes: &[u8]) -> Option<(String, Style)> {
    let font = FontRef::new(bytes).ok()?;
    let family = name(&font, StringId::FAMILY_NAME)?;
    let style = Style::from_subfamily(&name(&font, StringId::SUBFAMILY_NAME)?)?;
    covers_vietnamese(&font).then_some((family, style))
}

fn name(font: &FontRef, id: StringId) -> Option<String> {
    let name = font.localized_strings(id).english_or_first()?;
    Some(name.chars().collect())
}

/// Whether the font has a glyph for every precomposed letter of Vietnamese (NFC text needs
/// those, not combining marks).
fn covers_vietnamese(font: &FontRef) -> bool {
    const LATIN_1_AND_EXTENDED: &str = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư";
    // Latin Extended Additional from Ạ to ỹ: the letters with a tone mark under or over a hat.
    let with_tone_marks = '\u{1EA0}'..='\u{1EF9}';
    let charmap = font.charmap();
    LATIN_1_AND_EXTENDED
        .chars()
        .chain(with_tone_marks)
        .all(|letter| charmap.map(letter).is_some())
}

fn load_embedded() -> Result<Fonts, String> {
    let mut family = Family::default();
    for bytes in typst_assets::fonts() {
        if let Some((name, style)) = identify(bytes)
            && name == EMBEDDED_FAMILY
        {
            family
                .styles
                .entry(style)
                .or_insert_with(|| Arc::new(bytes) as FontBytes);
        }
    }
    let missing: Vec<String> = Style::ALL
        .iter()
        .filter(|style| !family.styles.contains_key(style))
        .map(|style| format!("{style:?}"))
        .collect();
    family.complete(EMBEDDED_FAMILY).ok_or_else(|| {
        format!(
            "the embedded {EMBEDDED_FAMILY} lacks {}",
            missing.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_family_has_four_distinct_styles() {
        let fonts = Fonts::embedded().expect("embedded fonts");
        assert_eq!(fonts.family, EMBEDDED_FAMILY);
        let styles = [
            &fonts.regular,
            &fonts.bold,
            &fonts.italic,
            &fonts.bold_italic,
        ]
        .map(|bytes| identify((**bytes).as_ref()).expect("a Vietnamese font").1);
        assert_eq!(styles, Style::ALL);
    }

    #[test]
    fn a_font_without_vietnamese_is_not_taken() {
        let maths = typst_assets::fonts()
            .find(|bytes| {
                FontRef::new(bytes)
                    .ok()
                    .and_then(|font| name(&font, StringId::FAMILY_NAME))
                    .is_some_and(|family| family.starts_with("New Computer Modern Math"))
            })
            .expect("the maths font is bundled");
        assert!(identify(maths).is_none());
    }
}
