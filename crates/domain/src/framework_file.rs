//! The framework file: a TOML document a province can write and review by hand
//! (`docs/FRAMEWORK_FORMAT.md`). Reading one reports every mistake it can find, each with its
//! line and column and what to write instead, in Vietnamese and English.

use std::collections::HashSet;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use unicode_normalization::UnicodeNormalization;

use crate::framework::{
    Comparator, Framework, Group, Indicator, Measure, ScoreTier, Scoring, Target,
};
use crate::{Bilingual, Date, Decimal, RecognitionRule, UnitKind};

/// One mistake in a framework file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub message: Bilingual,
    /// What to write instead, when there is something to suggest.
    pub help: Option<Bilingual>,
}

impl Diagnostic {
    /// `FILE:LINE:COL: lỗi: ... / error: ...` and the help lines, for the command line.
    pub fn render(&self, file: &str) -> String {
        let mut out = format!(
            "{file}:{}:{}: lỗi: {}\n{file}:{}:{}: error: {}",
            self.line, self.column, self.message.vi, self.line, self.column, self.message.en
        );
        if let Some(help) = &self.help {
            out.push_str(&format!("\n    gợi ý: {}\n    help: {}", help.vi, help.en));
        }
        out
    }
}

/// Reads a framework from the text of its file.
pub fn parse_framework(source: &str) -> Result<Framework, Vec<Diagnostic>> {
    let mut checker = Checker {
        source,
        diagnostics: Vec::new(),
    };
    let raw: RawFramework = match toml::from_str(source) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().to_string();
            checker.error(span, syntax_message(&message), None);
            return Err(checker.diagnostics);
        }
    };
    let framework = checker.check(raw);
    if checker.diagnostics.is_empty() {
        Ok(framework.expect("a framework is built whenever no error was found"))
    } else {
        checker.diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(checker.diagnostics)
    }
}

fn bi(vi: impl Into<String>, en: impl Into<String>) -> Bilingual {
    Bilingual {
        vi: vi.into(),
        en: en.into(),
    }
}

fn syntax_message(message: &str) -> Bilingual {
    let vi = if message.starts_with("unknown field") {
        format!("trường không có trong định dạng ({message})")
    } else if message.starts_with("missing field") {
        format!("thiếu trường bắt buộc ({message})")
    } else if message.starts_with("invalid type") {
        format!("sai kiểu giá trị ({message})")
    } else {
        format!("tệp TOML không hợp lệ ({message})")
    };
    bi(vi, message)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    code: Option<Spanned<String>>,
    version: Option<Spanned<i64>>,
    name: Option<Spanned<String>>,
    name_en: Option<Spanned<String>>,
    period: Option<Spanned<RawPeriod>>,
    deadline: Option<Spanned<toml::Value>>,
    applies_to: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    groups: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    indicators: Vec<Spanned<RawIndicator>>,
    recognition: Option<Spanned<RawRecognition>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecognition {
    rule: Option<Spanned<String>>,
    optional_percent: Option<Spanned<toml::Value>>,
    min_score: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    at_least: Option<Spanned<toml::Value>>,
    points: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    start: Option<Spanned<toml::Value>>,
    end: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    code: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    name_en: Option<Spanned<String>>,
    weight: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    code: Option<Spanned<String>>,
    group: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    name_en: Option<Spanned<String>>,
    measure: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    deadline: Option<Spanned<toml::Value>>,
    applies_to: Option<Spanned<Vec<Spanned<String>>>>,
    mandatory: Option<Spanned<bool>>,
    points: Option<Spanned<toml::Value>>,
    scoring: Option<Spanned<String>>,
    tiers: Option<Spanned<Vec<Spanned<RawTier>>>>,
    #[serde(default)]
    evidence: Vec<Spanned<String>>,
    evidence_en: Option<Spanned<Vec<Spanned<String>>>>,
    count_unit: Option<Spanned<String>>,
    count_unit_en: Option<Spanned<String>>,
}

struct Checker<'s> {
    source: &'s str,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn position(&self, offset: usize) -> (usize, usize) {
        let before = &self.source[..offset.min(self.source.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    fn error(&mut self, span: Range<usize>, message: Bilingual, help: Option<Bilingual>) {
        let (line, column) = self.position(span.start);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message,
            help,
        });
    }

    /// A required text field: present, not blank, NFC-normalised.
    fn text(
        &mut self,
        field: Option<Spanned<String>>,
        owner: Range<usize>,
        key: &str,
        example: &str,
    ) -> Option<String> {
        match field {
            None => {
                self.error(
                    owner,
                    bi(
                        format!("thiếu trường `{key}`"),
                        format!("missing field `{key}`"),
                    ),
                    Some(bi(
                        format!("thêm `{key} = {example}`"),
                        format!("add `{key} = {example}`"),
                    )),
                );
                None
            }
            Some(s) if s.get_ref().trim().is_empty() => {
                self.error(
                    s.span(),
                    bi(
                        format!("`{key}` không được để trống"),
                        format!("`{key}` must not be empty"),
                    ),
                    Some(bi(
                        format!("ví dụ: `{key} = {example}`"),
                        format!("e.g. `{key} = {example}`"),
                    )),
                );
                None
            }
            Some(s) => Some(s.into_inner().trim().nfc().collect()),
        }
    }

    /// A code: letters, digits, `-`, `_` and `.`, no spaces.
    fn code(
        &mut self,
        field: Option<Spanned<String>>,
        owner: Range<usize>,
        example: &str,
    ) -> Option<(String, Range<usize>)> {
        let span = field.as_ref().map_or(owner.clone(), |f| f.span());
        let code = self.text(field, owner, "code", example)?;
        if !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            self.error(
                span,
                bi(
                    format!("mã «{code}» chỉ được gồm chữ không dấu, chữ số, `-`, `_` và `.`"),
                    format!("code «{code}» may hold only ASCII letters, digits, `-`, `_` and `.`"),
                ),
                Some(bi(
                    format!("ví dụ: `code = {example}`"),
                    format!("e.g. `code = {example}`"),
                )),
            );
            return None;
        }
        Some((code, span))
    }

    /// A number (whole or decimal, at most three decimals) of at least 0, or an error at it.
    fn number(
        &mut self,
        value: &Spanned<toml::Value>,
        key: &str,
        example: &str,
    ) -> Option<Decimal> {
        let parsed = match value.get_ref() {
            toml::Value::Integer(i) => i.checked_mul(Decimal::SCALE).map(|_| Decimal::from_int(*i)),
            toml::Value::Float(f) => f.to_string().parse().ok(),
            _ => None,
        };
        match parsed {
            Some(d) if !d.is_negative() => Some(d),
            _ => {
                self.error(
                    value.span(),
                    bi(
                        format!("`{key}` phải là một số không âm"),
                        format!("`{key}` must be a number of at least 0"),
                    ),
                    Some(bi(
                        format!("ví dụ: `{key} = {example}`"),
                        format!("e.g. `{key} = {example}`"),
                    )),
                );
                None
            }
        }
    }

    fn date(&mut self, value: Spanned<toml::Value>, key: &str) -> Option<Date> {
        let span = value.span();
        let parsed = match value.get_ref() {
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
                .date
                .and_then(|d| Date::from_ymd(i32::from(d.year), d.month, d.day)),
            toml::Value::String(s) => s.parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                span,
                bi(
                    format!("`{key}` phải là một ngày (năm-tháng-ngày)"),
                    format!("`{key}` must be a date (year-month-day)"),
                ),
                Some(bi(
                    format!("ví dụ: `{key} = 2022-12-31`"),
                    format!("e.g. `{key} = 2022-12-31`"),
                )),
            );
        }
        parsed
    }

    /// A deadline before the period starts, reported at the deadline written.
    fn deadline_in_period(
        &mut self,
        deadline: Option<Date>,
        period_start: Option<Date>,
        span: Range<usize>,
    ) {
        if let (Some(d), Some(s)) = (deadline, period_start)
            && d < s
        {
            self.error(
                span,
                bi(
                    format!("hạn {} trước khi kỳ bắt đầu ({})", d.dmy(), s.dmy()),
                    format!(
                        "the deadline {} falls before the period starts ({})",
                        d.dmy(),
                        s.dmy()
                    ),
                ),
                None,
            );
        }
    }

    fn kinds(&mut self, list: Spanned<Vec<Spanned<String>>>) -> Option<Vec<UnitKind>> {
        let span = list.span();
        let mut kinds = Vec::new();
        let mut ok = true;
        for item in list.into_inner() {
            match item.get_ref().parse::<UnitKind>() {
                Ok(k) if !kinds.contains(&k) => kinds.push(k),
                Ok(_) => {}
                Err(_) => {
                    ok = false;
                    let known = UnitKind::ALL.map(UnitKind::code).join(", ");
                    self.error(
                        item.span(),
                        bi(
                            format!("loại đơn vị «{}» không tồn tại", item.get_ref()),
                            format!("unknown unit kind «{}»", item.get_ref()),
                        ),
                        Some(bi(
                            format!("dùng một trong: {known}"),
                            format!("use one of: {known}"),
                        )),
                    );
                }
            }
        }
        if ok && kinds.is_empty() {
            self.error(
                span,
                bi(
                    "`applies_to` không được rỗng",
                    "`applies_to` must not be empty",
                ),
                Some(bi(
                    "ví dụ: `applies_to = [\"phuong\", \"xa\", \"thi_tran\"]`",
                    "e.g. `applies_to = [\"phuong\", \"xa\", \"thi_tran\"]`",
                )),
            );
            return None;
        }
        ok.then_some(kinds)
    }

    /// An indicator's scoring rule (`scoring`, `tiers`), checked against its measure, target
    /// and points; `None` after an error. Tiers without `points` set the points to the highest
    /// tier's.
    #[allow(
        clippy::too_many_arguments,
        reason = "the parts of one indicator the rule depends on"
    )]
    fn scoring(
        &mut self,
        rule: Option<Spanned<String>>,
        tiers: Option<Spanned<Vec<Spanned<RawTier>>>>,
        measure: Option<Measure>,
        target: Option<&Target>,
        points: &mut Option<Decimal>,
        points_span: Option<Range<usize>>,
        points_bad: bool,
        owner: Range<usize>,
    ) -> Option<Scoring> {
        const RULES: &str = "achieved, yes_no, proportional, proportional_to_target, tiers";
        let rule_span = rule.as_ref().map_or(owner.clone(), Spanned::span);
        let code = match &rule {
            Some(r) => r.get_ref().trim().to_string(),
            None if tiers.is_some() => "tiers".to_string(),
            None => "achieved".to_string(),
        };
        if !RULES.split(", ").any(|r| r == code) {
            self.error(
                rule_span,
                bi(
                    format!("quy tắc tính điểm «{code}» không tồn tại"),
                    format!("unknown scoring rule «{code}»"),
                ),
                Some(bi(
                    format!("dùng một trong: {RULES}"),
                    format!("use one of: {RULES}"),
                )),
            );
            return None;
        }
        if let Some(t) = &tiers
            && code != "tiers"
        {
            self.error(
                t.span(),
                bi(
                    format!("`tiers` chỉ dùng với `scoring = \"tiers\"`, không phải «{code}»"),
                    format!("`tiers` is only for `scoring = \"tiers\"`, not «{code}»"),
                ),
                Some(bi(
                    "bỏ `tiers`, hoặc viết `scoring = \"tiers\"`",
                    "remove `tiers`, or write `scoring = \"tiers\"`",
                )),
            );
            return None;
        }
        let (Some(measure), Some(target)) = (measure, target) else {
            return Some(Scoring::Achieved);
        };
        let mut ok = true;
        let mut wrong_measure = |checker: &mut Self, what_vi: &str, what_en: &str| {
            ok = false;
            checker.error(
                rule_span.clone(),
                bi(
                    format!("quy tắc tính điểm «{code}» chỉ dùng cho {what_vi}, không dùng cho chỉ tiêu `measure = \"{measure}\"`"),
                    format!("scoring rule «{code}» is only for {what_en}, not for `measure = \"{measure}\"`"),
                ),
                Some(bi(
                    format!("dùng một trong: {RULES}, phù hợp với cách đo"),
                    format!("use one of: {RULES} that fits the measure"),
                )),
            );
        };
        let lower_target = matches!(
            target,
            Target::Threshold {
                comparator: Comparator::Le | Comparator::Lt,
                ..
            }
        );
        if lower_target && code.starts_with("proportional") {
            self.error(
                rule_span.clone(),
                bi(
                    format!("quy tắc tính điểm «{code}» không dùng cho mục tiêu «càng thấp càng tốt» (<=, <)"),
                    format!("scoring rule «{code}» does not fit a target where lower is better (<=, <)"),
                ),
                Some(bi(
                    "dùng `scoring = \"achieved\"` hoặc `\"tiers\"`",
                    "use `scoring = \"achieved\"` or `\"tiers\"`",
                )),
            );
            return None;
        }
        let scoring = match code.as_str() {
            "achieved" => Scoring::Achieved,
            "yes_no" => {
                if measure != Measure::YesNo {
                    wrong_measure(self, "chỉ tiêu có/không", "yes/no indicators");
                }
                Scoring::Answer
            }
            "proportional" => {
                if !measure.is_percentage() {
                    wrong_measure(
                        self,
                        "chỉ tiêu tỷ lệ (percent, ratio)",
                        "percentages (percent, ratio)",
                    );
                }
                Scoring::Proportional
            }
            "proportional_to_target" => {
                if measure == Measure::YesNo {
                    wrong_measure(
                        self,
                        "chỉ tiêu số lượng hoặc tỷ lệ",
                        "counts and percentages",
                    );
                } else if matches!(target, Target::Threshold { value, .. } if *value == Decimal::ZERO)
                {
                    ok = false;
                    self.error(
                        rule_span.clone(),
                        bi(
                            "không chia được cho mục tiêu 0",
                            "a target of 0 cannot be divided by",
                        ),
                        Some(bi(
                            "dùng `scoring = \"achieved\"` hoặc `\"tiers\"`",
                            "use `scoring = \"achieved\"` or `\"tiers\"`",
                        )),
                    );
                }
                Scoring::ProportionalToTarget
            }
            _ => {
                let Some(list) = tiers else {
                    self.error(
                        rule_span,
                        bi(
                            "`scoring = \"tiers\"` cần danh sách `tiers`",
                            "`scoring = \"tiers\"` needs a `tiers` list",
                        ),
                        Some(bi(
                            "ví dụ: `tiers = [{ at_least = 4, points = 20 }, { at_least = 2, points = 10 }]`",
                            "e.g. `tiers = [{ at_least = 4, points = 20 }, { at_least = 2, points = 10 }]`",
                        )),
                    );
                    return None;
                };
                let list_span = list.span();
                if measure == Measure::YesNo {
                    self.error(
                        list_span,
                        bi(
                            "chỉ tiêu có/không không dùng bậc điểm (`tiers`)",
                            "a yes/no indicator takes no tiers",
                        ),
                        Some(bi(
                            "bỏ `tiers` và dùng `scoring = \"yes_no\"`",
                            "remove `tiers` and use `scoring = \"yes_no\"`",
                        )),
                    );
                    return None;
                }
                self.tiers(list, list_span, measure, points, points_span, points_bad)?
            }
        };
        if ok && rule.is_some() && points.is_none() && !points_bad {
            self.error(
                rule.as_ref().map_or(owner, Spanned::span),
                bi(
                    format!("quy tắc tính điểm «{code}» cần `points`"),
                    format!("scoring rule «{code}» needs `points`"),
                ),
                Some(bi("thêm ví dụ `points = 10`", "add e.g. `points = 10`")),
            );
            return None;
        }
        ok.then_some(scoring)
    }

    fn tiers(
        &mut self,
        list: Spanned<Vec<Spanned<RawTier>>>,
        list_span: Range<usize>,
        measure: Measure,
        points: &mut Option<Decimal>,
        points_span: Option<Range<usize>>,
        points_bad: bool,
    ) -> Option<Scoring> {
        let example = bi(
            "ví dụ: `tiers = [{ at_least = 4, points = 20 }, { at_least = 3, points = 15 }]`",
            "e.g. `tiers = [{ at_least = 4, points = 20 }, { at_least = 3, points = 15 }]`",
        );
        let list = list.into_inner();
        if list.is_empty() {
            self.error(
                list_span,
                bi("`tiers` không được rỗng", "`tiers` must not be empty"),
                Some(example),
            );
            return None;
        }
        let mut tiers: Vec<ScoreTier> = Vec::new();
        let mut ok = true;
        for tier in list {
            let span = tier.span();
            let tier = tier.into_inner();
            let (Some(at), Some(p)) = (tier.at_least, tier.points) else {
                ok = false;
                self.error(
                    span,
                    bi(
                        "mỗi bậc cần cả `at_least` và `points`",
                        "every tier needs both `at_least` and `points`",
                    ),
                    Some(example.clone()),
                );
                continue;
            };
            let (Some(at_least), Some(tier_points)) = (
                self.number(&at, "at_least", "4"),
                self.number(&p, "points", "20"),
            ) else {
                ok = false;
                continue;
            };
            if measure.is_percentage() && at_least > Decimal::from_int(100) {
                ok = false;
                self.error(
                    at.span(),
                    bi(
                        format!("bậc {}% nằm ngoài khoảng 0–100%", at_least),
                        format!("tier {}% lies outside 0–100%", at_least),
                    ),
                    Some(bi(
                        "với chỉ tiêu tỷ lệ, `at_least` tính bằng phần trăm, từ 0 đến 100",
                        "for a percentage, `at_least` is in percent, from 0 to 100",
                    )),
                );
                continue;
            }
            if let Some(prev) = tiers.last() {
                if at_least >= prev.at_least {
                    ok = false;
                    self.error(
                        at.span(),
                        bi(
                            format!("các bậc phải xếp giảm dần: `at_least = {at_least}` không nhỏ hơn bậc trước ({})", prev.at_least),
                            format!("tiers must be in descending order: `at_least = {at_least}` is not below the tier before ({})", prev.at_least),
                        ),
                        Some(bi(
                            "viết bậc cao nhất trước, mỗi bậc sau thấp hơn bậc trước",
                            "write the highest tier first, each next one lower",
                        )),
                    );
                    continue;
                }
                if tier_points > prev.points {
                    ok = false;
                    self.error(
                        p.span(),
                        bi(
                            format!(
                                "bậc thấp hơn không được nhiều điểm hơn: {tier_points} > {}",
                                prev.points
                            ),
                            format!(
                                "a lower tier cannot earn more points: {tier_points} > {}",
                                prev.points
                            ),
                        ),
                        None,
                    );
                    continue;
                }
            }
            tiers.push(ScoreTier {
                at_least,
                points: tier_points,
            });
        }
        if !ok {
            return None;
        }
        let top = tiers[0].points;
        match (*points, points_span) {
            (Some(p), Some(span)) if p != top => {
                self.error(
                    span,
                    bi(
                        format!("`points = {p}` khác số điểm của bậc cao nhất ({top})"),
                        format!("`points = {p}` differs from the highest tier's points ({top})"),
                    ),
                    Some(bi(
                        format!("viết `points = {top}`, hoặc bỏ `points`"),
                        format!("write `points = {top}`, or leave `points` out"),
                    )),
                );
                return None;
            }
            (None, _) if !points_bad => *points = Some(top),
            _ => {}
        }
        Some(Scoring::Tiers(tiers))
    }

    /// The `[recognition]` table; the default rule when there is none.
    fn recognition(&mut self, raw: Option<Spanned<RawRecognition>>) -> Option<RecognitionRule> {
        const RULES: &str = "all_applicable, mandatory_and_optional, score";
        let Some(raw) = raw else {
            return Some(RecognitionRule::default());
        };
        let span = raw.span();
        let raw = raw.into_inner();
        let Some(rule) = raw.rule else {
            self.error(
                span,
                bi(
                    "`[recognition]` thiếu `rule`",
                    "`[recognition]` is missing `rule`",
                ),
                Some(bi(
                    format!("thêm `rule = \"...\"`, một trong: {RULES}"),
                    format!("add `rule = \"...\"`, one of: {RULES}"),
                )),
            );
            return None;
        };
        let not_for = |checker: &mut Self, key: &str, value: &Option<Spanned<toml::Value>>| {
            if let Some(v) = value {
                checker.error(
                    v.span(),
                    bi(
                        format!("`{key}` không dùng với `rule = \"{}\"`", rule.get_ref()),
                        format!("`{key}` does not go with `rule = \"{}\"`", rule.get_ref()),
                    ),
                    Some(bi("bỏ dòng này", "remove this line")),
                );
                true
            } else {
                false
            }
        };
        let required = |checker: &mut Self, key: &str, example: &str| {
            checker.error(
                rule.span(),
                bi(
                    format!("`rule = \"{}\"` cần `{key}`", rule.get_ref()),
                    format!("`rule = \"{}\"` needs `{key}`", rule.get_ref()),
                ),
                Some(bi(
                    format!("thêm `{key} = {example}`"),
                    format!("add `{key} = {example}`"),
                )),
            );
        };
        match rule.get_ref().trim() {
            "all_applicable" => {
                let a = not_for(self, "optional_percent", &raw.optional_percent);
                let b = not_for(self, "min_score", &raw.min_score);
                (!a && !b).then_some(RecognitionRule::AllApplicable)
            }
            "mandatory_and_optional" => {
                let extra = not_for(self, "min_score", &raw.min_score);
                let Some(p) = &raw.optional_percent else {
                    required(self, "optional_percent", "30");
                    return None;
                };
                let percent = self.number(p, "optional_percent", "30")?;
                if percent > Decimal::from_int(100) {
                    self.error(
                        p.span(),
                        bi(
                            format!("`optional_percent = {percent}` vượt quá 100"),
                            format!("`optional_percent = {percent}` is above 100"),
                        ),
                        Some(bi(
                            "dùng một số từ 0 đến 100, ví dụ `optional_percent = 30`",
                            "use a number from 0 to 100, e.g. `optional_percent = 30`",
                        )),
                    );
                    return None;
                }
                (!extra).then_some(RecognitionRule::MandatoryAndOptional {
                    optional_percent: percent,
                })
            }
            "score" => {
                let extra = not_for(self, "optional_percent", &raw.optional_percent);
                let Some(m) = &raw.min_score else {
                    required(self, "min_score", "0.8");
                    return None;
                };
                let outside = || {
                    (
                        bi(
                            "`min_score` phải là một số từ 0 đến 1 (điểm theo thang 0–1)",
                            "`min_score` must be a number from 0 to 1 (scores run from 0 to 1)",
                        ),
                        Some(bi("ví dụ: `min_score = 0.8`", "e.g. `min_score = 0.8`")),
                    )
                };
                let parsed = match m.get_ref() {
                    toml::Value::Integer(i) => Some(Decimal::from_int((*i).clamp(-10, 10))),
                    toml::Value::Float(f) => f.to_string().parse::<Decimal>().ok(),
                    _ => None,
                };
                match parsed {
                    Some(min) if !min.is_negative() && min <= Decimal::from_int(1) => {
                        (!extra).then_some(RecognitionRule::ScoreAtLeast { min_score: min })
                    }
                    _ => {
                        let (message, help) = outside();
                        self.error(m.span(), message, help);
                        None
                    }
                }
            }
            other => {
                self.error(
                    rule.span(),
                    bi(
                        format!("quy tắc công nhận «{other}» không tồn tại"),
                        format!("unknown recognition rule «{other}»"),
                    ),
                    Some(bi(
                        format!("dùng một trong: {RULES}"),
                        format!("use one of: {RULES}"),
                    )),
                );
                None
            }
        }
    }

    fn check(&mut self, raw: RawFramework) -> Option<Framework> {
        let whole = 0..0;
        let code = self
            .code(raw.code, whole.clone(), "\"cds-phuong-2022\"")
            .map(|(c, _)| c);
        let version = match raw.version {
            None => {
                self.error(
                    whole.clone(),
                    bi("thiếu trường `version`", "missing field `version`"),
                    Some(bi("thêm `version = 1`", "add `version = 1`")),
                );
                None
            }
            Some(v) if *v.get_ref() < 1 || *v.get_ref() > i64::from(u32::MAX) => {
                self.error(
                    v.span(),
                    bi(
                        "`version` phải là số nguyên dương",
                        "`version` must be a positive whole number",
                    ),
                    Some(bi("ví dụ: `version = 1`", "e.g. `version = 1`")),
                );
                None
            }
            Some(v) => Some(*v.get_ref() as u32),
        };
        let name = self.text(
            raw.name,
            whole.clone(),
            "name",
            "\"Bộ chỉ tiêu chuyển đổi số cấp xã năm 2022\"",
        );
        let name_en = self.text(
            raw.name_en,
            whole.clone(),
            "name_en",
            "\"Commune digital transformation indicators 2022\"",
        );

        let (mut period_start, mut period_end) = (None, None);
        match raw.period {
            None => self.error(
                whole.clone(),
                bi("thiếu trường `period`", "missing field `period`"),
                Some(bi(
                    "thêm `period = { start = 2022-01-01, end = 2022-12-31 }`",
                    "add `period = { start = 2022-01-01, end = 2022-12-31 }`",
                )),
            ),
            Some(p) => {
                let span = p.span();
                let p = p.into_inner();
                for (key, field, slot) in [
                    ("start", p.start, &mut period_start),
                    ("end", p.end, &mut period_end),
                ] {
                    match field {
                        Some(v) => *slot = self.date(v, key),
                        None => self.error(
                            span.clone(),
                            bi(
                                format!("`period` thiếu `{key}`"),
                                format!("`period` is missing `{key}`"),
                            ),
                            Some(bi(
                                "viết `period = { start = 2022-01-01, end = 2022-12-31 }`",
                                "write `period = { start = 2022-01-01, end = 2022-12-31 }`",
                            )),
                        ),
                    }
                }
                if let (Some(s), Some(e)) = (period_start, period_end)
                    && s > e
                {
                    self.error(
                        span,
                        bi(
                            format!("kỳ bắt đầu ({}) sau kỳ kết thúc ({})", s.dmy(), e.dmy()),
                            format!(
                                "the period starts ({}) after it ends ({})",
                                s.dmy(),
                                e.dmy()
                            ),
                        ),
                        None,
                    );
                }
            }
        }
        let default_deadline = match raw.deadline {
            Some(v) => {
                let span = v.span();
                let deadline = self.date(v, "deadline");
                self.deadline_in_period(deadline, period_start, span);
                deadline
            }
            None => period_end,
        };
        let default_kinds = match raw.applies_to {
            Some(list) => self.kinds(list),
            None => Some(vec![
                UnitKind::Phuong,
                UnitKind::Xa,
                UnitKind::ThiTran,
                UnitKind::DacKhu,
            ]),
        };

        let mut groups = Vec::new();
        let mut group_codes: HashSet<String> = HashSet::new();
        let (mut weights_given, mut unweighted) = (Vec::new(), Vec::new());
        if raw.groups.is_empty() {
            self.error(
                whole.clone(),
                bi(
                    "khung chỉ tiêu chưa có nhóm nào",
                    "the framework has no group",
                ),
                Some(bi(
                    "thêm `[[groups]]` với `code`, `name`, `name_en`",
                    "add a `[[groups]]` table with `code`, `name` and `name_en`",
                )),
            );
        }
        for g in raw.groups {
            let span = g.span();
            let g = g.into_inner();
            let code = self.code(g.code, span.clone(), "\"chinh-quyen-so\"");
            let name = self.text(g.name, span.clone(), "name", "\"Chính quyền số\"");
            let name_en = self.text(g.name_en, span.clone(), "name_en", "\"Digital government\"");
            let weight = match &g.weight {
                Some(w) => {
                    weights_given.push(w.span());
                    self.number(w, "weight", "25").map(Some)
                }
                None => {
                    unweighted.push(span.clone());
                    Some(None)
                }
            };
            if let Some((code, code_span)) = code {
                if !group_codes.insert(code.clone()) {
                    self.error(
                        code_span,
                        bi(
                            format!("mã nhóm «{code}» bị trùng"),
                            format!("duplicate group code «{code}»"),
                        ),
                        Some(bi(
                            "mỗi nhóm cần một mã riêng",
                            "give each group its own code",
                        )),
                    );
                } else if let (Some(name), Some(name_en), Some(weight)) = (name, name_en, weight) {
                    groups.push(Group {
                        code,
                        name,
                        name_en,
                        weight,
                    });
                }
            }
        }
        if !weights_given.is_empty() {
            for span in &unweighted {
                self.error(
                    span.clone(),
                    bi(
                        "nhóm này thiếu `weight`: khi một nhóm có trọng số thì mọi nhóm đều phải có",
                        "this group has no `weight`: when one group has a weight, every group needs one",
                    ),
                    Some(bi(
                        "thêm `weight = ...` (có thể là 0), hoặc bỏ `weight` ở mọi nhóm",
                        "add `weight = ...` (0 is allowed), or remove `weight` from every group",
                    )),
                );
            }
            if unweighted.is_empty()
                && groups.len() == group_codes.len()
                && groups.iter().all(|g| g.weight == Some(Decimal::ZERO))
            {
                self.error(
                    weights_given[0].clone(),
                    bi(
                        "mọi nhóm đều có trọng số 0: không tính được điểm",
                        "every group weighs 0: no score could be computed",
                    ),
                    Some(bi(
                        "cho ít nhất một nhóm trọng số lớn hơn 0",
                        "give at least one group a weight above 0",
                    )),
                );
            }
        }

        let mut indicators = Vec::new();
        let mut indicator_codes: HashSet<String> = HashSet::new();
        if raw.indicators.is_empty() {
            self.error(
                whole,
                bi(
                    "khung chỉ tiêu chưa có chỉ tiêu nào",
                    "the framework has no indicator",
                ),
                Some(bi("thêm `[[indicators]]`", "add an `[[indicators]]` table")),
            );
        }
        let mut known_groups: Vec<&String> = group_codes.iter().collect();
        known_groups.sort();
        let known_groups = known_groups
            .into_iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        for ind in raw.indicators {
            let span = ind.span();
            let ind = ind.into_inner();
            let code = self.code(ind.code, span.clone(), "\"CQS-01\"");
            if let Some((c, code_span)) = &code
                && !indicator_codes.insert(c.clone())
            {
                self.error(
                    code_span.clone(),
                    bi(
                        format!("mã chỉ tiêu «{c}» bị trùng"),
                        format!("duplicate indicator code «{c}»"),
                    ),
                    Some(bi(
                        "mỗi chỉ tiêu cần một mã riêng",
                        "give each indicator its own code",
                    )),
                );
            }
            let group = match ind.group {
                None => {
                    self.error(
                        span.clone(),
                        bi("thiếu trường `group`", "missing field `group`"),
                        Some(bi(
                            format!("thêm `group = \"...\"` với một trong: {known_groups}"),
                            format!("add `group = \"...\"` naming one of: {known_groups}"),
                        )),
                    );
                    None
                }
                Some(g) if !group_codes.contains(g.get_ref()) => {
                    self.error(g.span(), bi(format!("nhóm «{}» chưa được khai báo", g.get_ref()), format!("unknown group «{}»", g.get_ref())), Some(bi(format!("dùng một trong: {known_groups}, hoặc khai báo nhóm trong `[[groups]]`"), format!("use one of: {known_groups}, or declare it in `[[groups]]`"))));
                    None
                }
                Some(g) => Some(g.into_inner()),
            };
            let name = self.text(
                ind.name,
                span.clone(),
                "name",
                "\"Tỷ lệ hồ sơ nộp trực tuyến\"",
            );
            let name_en = self.text(
                ind.name_en,
                span.clone(),
                "name_en",
                "\"Dossiers submitted online\"",
            );
            let measures = Measure::ALL.map(Measure::code).join(", ");
            let measure = match ind.measure {
                None => {
                    self.error(
                        span.clone(),
                        bi("thiếu trường `measure`", "missing field `measure`"),
                        Some(bi(
                            format!("thêm `measure = \"...\"`, một trong: {measures}"),
                            format!("add `measure = \"...\"`, one of: {measures}"),
                        )),
                    );
                    None
                }
                Some(m) => match Measure::from_code(m.get_ref()) {
                    Some(m) => Some(m),
                    None => {
                        self.error(
                            m.span(),
                            bi(
                                format!("cách đo «{}» không tồn tại", m.get_ref()),
                                format!("unknown measure «{}»", m.get_ref()),
                            ),
                            Some(bi(
                                format!("dùng một trong: {measures}"),
                                format!("use one of: {measures}"),
                            )),
                        );
                        None
                    }
                },
            };
            let target = match (ind.target, measure) {
                (None, _) => {
                    self.error(
                        span.clone(),
                        bi("thiếu trường `target`", "missing field `target`"),
                        Some(bi(
                            "thêm ví dụ `target = \">= 80%\"` hoặc `target = \"= yes\"`",
                            "add e.g. `target = \">= 80%\"` or `target = \"= yes\"`",
                        )),
                    );
                    None
                }
                (Some(_), None) => None,
                (Some(t), Some(m)) => match parse_target(t.get_ref(), m) {
                    Ok(target) => Some(target),
                    Err((message, help)) => {
                        self.error(t.span(), message, Some(help));
                        None
                    }
                },
            };
            let deadline = match ind.deadline {
                Some(v) => {
                    let span = v.span();
                    let deadline = self.date(v, "deadline");
                    self.deadline_in_period(deadline, period_start, span);
                    deadline
                }
                None => default_deadline,
            };
            let applies_to = match ind.applies_to {
                Some(list) => self.kinds(list),
                None => default_kinds.clone(),
            };
            let points_span = ind.points.as_ref().map(Spanned::span);
            let points_bad = ind.points.is_some();
            let mut points = ind
                .points
                .as_ref()
                .and_then(|p| self.number(p, "points", "10"));
            let points_bad = points_bad && points.is_none();
            let scoring = self.scoring(
                ind.scoring,
                ind.tiers,
                measure,
                target.as_ref(),
                &mut points,
                points_span,
                points_bad,
                span.clone(),
            );
            for (key, unit) in [
                ("count_unit", &ind.count_unit),
                ("count_unit_en", &ind.count_unit_en),
            ] {
                if let (Some(u), Some(m)) = (unit, measure)
                    && m != Measure::Count
                {
                    self.error(
                        u.span(),
                        bi(
                            format!("`{key}` chỉ dùng cho chỉ tiêu đo bằng số lượng (`measure = \"count\"`)"),
                            format!("`{key}` is only for indicators with `measure = \"count\"`"),
                        ),
                        Some(bi("bỏ dòng này", "remove this line")),
                    );
                }
            }
            let evidence_count = ind.evidence.len();
            let evidence = ind
                .evidence
                .into_iter()
                .map(|e| e.into_inner().trim().nfc().collect())
                .collect();
            let evidence_en = match ind.evidence_en {
                None => Vec::new(),
                Some(list) if list.get_ref().len() != evidence_count => {
                    let given = list.get_ref().len();
                    self.error(
                        list.span(),
                        bi(
                            format!("`evidence_en` phải có đúng {evidence_count} mục như `evidence`, không phải {given}: mỗi minh chứng cần một bản tiếng Anh"),
                            format!("`evidence_en` must have as many items as `evidence` ({evidence_count}), not {given}: give one English text for each piece of evidence"),
                        ),
                        Some(bi(
                            "viết lần lượt bản tiếng Anh của từng mục trong `evidence`",
                            "write the English of each item of `evidence`, in the same order",
                        )),
                    );
                    Vec::new()
                }
                Some(list) => list
                    .into_inner()
                    .into_iter()
                    .map(|e| e.into_inner().trim().nfc().collect())
                    .collect(),
            };
            if scoring.is_none() {
                continue;
            }
            if let (
                Some((code, _)),
                Some(group),
                Some(name),
                Some(name_en),
                Some(measure),
                Some(target),
                Some(deadline),
                Some(applies_to),
            ) = (
                code, group, name, name_en, measure, target, deadline, applies_to,
            ) {
                indicators.push(Indicator {
                    code,
                    group,
                    name,
                    name_en,
                    measure,
                    target,
                    deadline,
                    applies_to,
                    mandatory: ind.mandatory.is_none_or(|m| m.into_inner()),
                    points,
                    scoring: scoring.unwrap_or_default(),
                    evidence,
                    evidence_en,
                    count_unit: ind
                        .count_unit
                        .map(|u| u.into_inner().trim().nfc().collect()),
                    count_unit_en: ind
                        .count_unit_en
                        .map(|u| u.into_inner().trim().nfc().collect()),
                });
            }
        }

        let recognition = self.recognition(raw.recognition);
        Some(Framework {
            code: code?,
            version: version?,
            name: name?,
            name_en: name_en?,
            period_start: period_start?,
            period_end: period_end?,
            groups,
            indicators,
            recognition: recognition?,
        })
    }
}

/// Reads a target rule such as `>= 80%`, `≥ 4` or `= yes`, checked against the measure.
pub fn parse_target(text: &str, measure: Measure) -> Result<Target, (Bilingual, Bilingual)> {
    let t = text.trim();
    let (comparator, rest) = [
        (">=", Comparator::Ge),
        ("≥", Comparator::Ge),
        ("<=", Comparator::Le),
        ("≤", Comparator::Le),
        (">", Comparator::Gt),
        ("<", Comparator::Lt),
        ("==", Comparator::Eq),
        ("=", Comparator::Eq),
    ]
    .into_iter()
    .find_map(|(sym, c)| t.strip_prefix(sym).map(|rest| (c, rest.trim())))
    .ok_or_else(|| {
        (
            bi(
                format!("quy tắc mục tiêu «{t}» phải bắt đầu bằng phép so sánh (>=, >, <=, <, =)"),
                format!("target rule «{t}» must start with a comparison (>=, >, <=, <, =)"),
            ),
            example_for(measure),
        )
    })?;
    if measure == Measure::YesNo {
        // Files saved on some systems spell «có» and «không» in decomposed form (NFD).
        let answer = match rest.nfc().collect::<String>().to_lowercase().as_str() {
            "yes" | "có" | "true" => Some(true),
            "no" | "không" | "false" => Some(false),
            _ => None,
        };
        return match (comparator, answer) {
            (Comparator::Eq, Some(a)) => Ok(Target::Answer(a)),
            _ => Err((
                bi(
                    format!("chỉ tiêu có/không cần mục tiêu `= yes` hoặc `= no`, không phải «{t}»"),
                    format!("a yes/no indicator takes `= yes` or `= no`, not «{t}»"),
                ),
                example_for(measure),
            )),
        };
    }
    let (number, has_percent) = match rest.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (rest, false),
    };
    let value: Decimal = number.parse().map_err(|_| {
        (
            bi(
                format!("«{number}» trong quy tắc «{t}» không phải là số"),
                format!("«{number}» in target rule «{t}» is not a number"),
            ),
            example_for(measure),
        )
    })?;
    if measure.is_percentage() {
        if !has_percent {
            return Err((
                bi(
                    format!("chỉ tiêu tỷ lệ cần dấu % trong mục tiêu «{t}»"),
                    format!("a percentage target needs a % sign: «{t}»"),
                ),
                bi(
                    format!("viết `{} {}%`", comparator.symbol(), number),
                    format!("write `{} {}%`", comparator.symbol(), number),
                ),
            ));
        }
        if value.is_negative() || value > Decimal::from_int(100) {
            return Err((
                bi(
                    format!("mục tiêu tỷ lệ {value}% nằm ngoài khoảng 0–100%"),
                    format!("percentage target {value}% lies outside 0–100%"),
                ),
                bi(
                    "dùng một giá trị từ 0% đến 100%, ví dụ `>= 80%`",
                    "use a value from 0% to 100%, e.g. `>= 80%`",
                ),
            ));
        }
    } else if has_percent {
        return Err((
            bi(
                format!("chỉ tiêu số lượng không dùng dấu % («{t}»)"),
                format!("a count target takes no % sign («{t}»)"),
            ),
            bi(
                format!(
                    "viết `{} {}`, hoặc đổi `measure` thành \"percent\"",
                    comparator.symbol(),
                    number
                ),
                format!(
                    "write `{} {}`, or change `measure` to \"percent\"",
                    comparator.symbol(),
                    number
                ),
            ),
        ));
    } else if value.is_negative() {
        return Err((
            bi(
                "mục tiêu số lượng không được âm",
                "a count target cannot be negative",
            ),
            example_for(measure),
        ));
    }
    // No figure is below 0 or above 100%: such a target could never be met.
    let unattainable = match comparator {
        Comparator::Lt => value == Decimal::ZERO,
        Comparator::Gt => measure.is_percentage() && value == Decimal::from_int(100),
        _ => false,
    };
    if unattainable {
        return Err((
            bi(
                format!("không số liệu nào đạt được mục tiêu «{t}»"),
                format!("no figure can ever meet the target «{t}»"),
            ),
            example_for(measure),
        ));
    }
    Ok(Target::Threshold { comparator, value })
}

fn example_for(measure: Measure) -> Bilingual {
    match measure {
        Measure::YesNo => bi("viết `target = \"= yes\"`", "write `target = \"= yes\"`"),
        Measure::Count => bi("ví dụ `target = \">= 4\"`", "e.g. `target = \">= 4\"`"),
        Measure::Percent | Measure::Ratio => {
            bi("ví dụ `target = \">= 80%\"`", "e.g. `target = \">= 80%\"`")
        }
    }
}
