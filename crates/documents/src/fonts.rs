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

/// Where each style of the embedded family comes from, best first. Libertinus Serif Bold Italic
/// lacks Ơ, ơ, Ư and ư (typst-assets 0.13), so its Semibold Italic, which has them, stands in.
const EMBEDDED_SOURCES: [(Style, &[(&str, Style)]); 4] = [
    (Style::Regular, &[(EMBEDDED_FAMILY, Style::Regular)]),
    (Style::Bold, &[(EMBEDDED_FAMILY, Style::Bold)]),
    (Style::Italic, &[(EMBEDDED_FAMILY, Style::Italic)]),
    (
        Style::BoldItalic,
        &[
            (EMBEDDED_FAMILY, Style::BoldItalic),
            ("Libertinus Serif Semibold Italic", Style::Regular),
        ],
    ),
];

fn load_embedded() -> Result<Fonts, String> {
    // Only fonts that cover Vietnamese are identified at all.
    let bundled: Vec<((String, Style), &'static [u8])> = typst_assets::fonts()
        .filter_map(|bytes| Some((identify(bytes)?, bytes)))
        .collect();
    let mut family = Family::default();
    for (style, sources) in EMBEDDED_SOURCES {
        let found = sources.iter().find_map(|(name, source_style)| {
            bundled
                .iter()
                .find(|((family, style), _)| family == name && style == source_style)
                .map(|(_, bytes)| *bytes)
        });
        match found {
            Some(bytes) => {
                family.styles.insert(style, Arc::new(bytes) as FontBytes);
            }
            None => return Err(format!("no embedded font for {EMBEDDED_FAMILY} {style:?}")),
        }
    }
    family
        .complete(EMBEDDED_FAMILY)
        .ok_or_else(|| format!("the embedded {EMBEDDED_FAMILY} is incomplete"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_family_has_four_styles_that_cover_vietnamese() {
        let fonts = Fonts::embedded().expect("embedded fonts");
        assert_eq!(fonts.family, EMBEDDED_FAMILY);
        let found = [
            &fonts.regular,
            &fonts.bold,
            &fonts.italic,
            &fonts.bold_italic,
        ]
        .map(|bytes| identify((**bytes).as_ref()).expect("a Vietnamese font"));
        assert_eq!(
            found.map(|(family, style)| format!("{family} {style:?}")),
            [
                "Libertinus Serif Regular",
                "Libertinus Serif Bold",
                "Libertinus Serif Italic",
                "Libertinus Serif Semibold Italic Regular",
            ]
        );
    }

    #[test]
    fn a_font_without_vietnamese_is_not_taken() {
        let bold_italic = typst_assets::fonts()
            .find(|bytes| {
                FontRef::new(bytes).ok().is_some_and(|font| {
                    name(&font, StringId::FAMILY_NAME).as_deref() == Some(EMBEDDED_FAMILY)
                        && name(&font, StringId::SUBFAMILY_NAME).as_deref() == Some("Bold Italic")
                })
            })
            .expect("Libertinus Serif Bold Italic is bundled");
        let font = FontRef::new(bold_italic).expect("a font");
        assert!(font.charmap().map('ệ').is_some());
        assert!(font.charmap().map('ư').is_none());
        assert!(identify(bold_italic).is_none());
    }

    #[test]
    fn a_system_family_is_complete_when_found() {
        let fonts = Fonts::find().expect("fonts");
        for bytes in [
            &fonts.regular,
            &fonts.bold,
            &fonts.italic,
            &fonts.bold_italic,
        ] {
            let (family, _) = identify((**bytes).as_ref()).expect("a Vietnamese font");
            assert!(
                family.starts_with(&fonts.family),
                "{family} in {}",
                fonts.family
            );
        }
    }
}
