//! The status rules (`crates/domain/src/status.rs`) checked two ways: properties over random
//! indicators and histories, and worked examples whose reasons are compared word for word.

use proptest::prelude::*;
use tiendo_domain::{
    Applicability, Assessment, Comparator, Date, Decimal, Figure, Indicator, Lang, Measure,
    Observation, Reason, Rules, Span, Status, Target, UnitKind,
};

// ---------------------------------------------------------------------------------------------
// Helpers

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn indicator(
    measure: Measure,
    target: Target,
    deadline: Date,
    count_unit: Option<&str>,
) -> Indicator {
    Indicator {
        code: "X-01".into(),
        group: "g".into(),
        name: "Chỉ tiêu thử".into(),
        name_en: "Test indicator".into(),
        measure,
        target,
        deadline,
        applies_to: vec![
            UnitKind::Phuong,
            UnitKind::Xa,
            UnitKind::ThiTran,
            UnitKind::DacKhu,
        ],
        mandatory: true,
        points: None,
        scoring: Default::default(),
        evidence: Vec::new(),
        evidence_en: Vec::new(),
        count_unit: count_unit.map(str::to_string),
        count_unit_en: None,
    }
}

fn obs(on: &str, figure: Figure) -> Observation {
    Observation {
        observed_on: date(on),
        figure,
        planned_by: None,
        note: String::new(),
    }
}

fn planned(on: &str, figure: Figure, by: &str) -> Observation {
    Observation {
        planned_by: Some(date(by)),
        ..obs(on, figure)
    }
}

fn pct(s: &str) -> Figure {
    Figure::Amount(dec(s))
}

fn threshold(comparator: Comparator, value: &str) -> Target {
    Target::Threshold {
        comparator,
        value: dec(value),
    }
}

/// The status and reason of one indicator with the period starting on 01/01/2022.
fn assess(ind: &Indicator, history: &[Observation], as_of: &str) -> Assessment {
    let applies = Applicability::Applies;
    let rules = Rules {
        indicator: ind,
        applicability: &applies,
        period_start: date("2022-01-01"),
    };
    rules.assess(history, date(as_of))
}

// ---------------------------------------------------------------------------------------------
// An independent statement of the rules, in plain fractions, to check `Rules::assess` against.

/// A non-negative fraction `num / den` with `den > 0`.
type Frac = (i128, i128);

fn figure_frac(f: &Figure) -> Frac {
    match *f {
        Figure::YesNo(b) => (i128::from(b), 1),
        Figure::Amount(v) => (i128::from(v.thousandths()), 1000),
        Figure::Ratio {
            numerator,
            denominator,
        } => (i128::from(numerator) * 100, i128::from(denominator)),
    }
}

fn target_frac(t: &Target) -> (Comparator, Frac) {
    match *t {
        Target::Answer(b) => (Comparator::Eq, (i128::from(b), 1)),
        Target::Threshold { comparator, value } => {
            (comparator, (i128::from(value.thousandths()), 1000))
        }
    }
}

fn holds(c: Comparator, (a, b): Frac, (x, y): Frac) -> bool {
    let (l, r) = (a * y, x * b);
    match c {
        Comparator::Ge => l >= r,
        Comparator::Gt => l > r,
        Comparator::Le => l <= r,
        Comparator::Lt => l < r,
        Comparator::Eq => l == r,
    }
}

fn meets(ind: &Indicator, f: &Figure) -> bool {
    let (c, t) = target_frac(&ind.target);
    holds(c, figure_frac(f), t)
}

/// The figures that count on `as_of`: inside the period, on or before `as_of`.
fn in_force(
    history: &[Observation],
    period_start: Date,
    as_of: Date,
) -> Vec<(usize, &Observation)> {
    history
        .iter()
        .enumerate()
        .filter(|(_, o)| o.observed_on >= period_start && o.observed_on <= as_of)
        .collect()
}

fn oracle(
    ind: &Indicator,
    applicability: &Applicability,
    period_start: Date,
    history: &[Observation],
    as_of: Date,
) -> Status {
    if *applicability != Applicability::Applies {
        return Status::NotApplicable;
    }
    let figures = in_force(history, period_start, as_of);
    let Some(&(_, latest)) = figures.last() else {
        return Status::NoData;
    };
    if meets(ind, &latest.figure) {
        return Status::Achieved;
    }
    if as_of > ind.deadline {
        return Status::NotAchieved;
    }
    let (c, t) = target_frac(&ind.target);
    if ind.measure == Measure::YesNo {
        return match latest.planned_by {
            Some(p) if p <= ind.deadline && p >= as_of => Status::InProgress,
            _ => Status::NotAchieved,
        };
    }
    if c == Comparator::Eq {
        return Status::NotAchieved;
    }
    let earlier = figures
        .iter()
        .rev()
        .find(|(_, o)| o.observed_on < latest.observed_on)
        .map(|(_, o)| (o.observed_on, figure_frac(&o.figure)));
    let from_zero = (ind.measure == Measure::Count
        && matches!(c, Comparator::Ge | Comparator::Gt)
        && period_start < latest.observed_on)
        .then_some((period_start, (0, 1)));
    let Some((since, (bn, bd))) = earlier.or(from_zero) else {
        return Status::NotAchieved;
    };
    let (cn, cd) = figure_frac(&latest.figure);
    let elapsed = i128::from(since.days_until(latest.observed_on));
    let ahead = i128::from(latest.observed_on.days_until(ind.deadline));
    // current + (current - base) × ahead / elapsed
    let num = cn * bd * elapsed + (cn * bd - bn * cd) * ahead;
    let den = cd * bd * elapsed;
    if holds(c, (num, den), t) {
        Status::InProgress
    } else {
        Status::NotAchieved
    }
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Achieved => 2,
        Status::InProgress => 1,
        Status::NotAchieved => 0,
        other => panic!("{other} has no rank"),
    }
}

/// The status each reason goes with.
fn status_of_reason(r: &Reason) -> Status {
    match r {
        Reason::NotForKind(_) | Reason::Excluded(_) => Status::NotApplicable,
        Reason::NoData => Status::NoData,
        Reason::Met { .. } | Reason::Confirmed { .. } => Status::Achieved,
        Reason::OnPace { .. } | Reason::Planned { .. } => Status::InProgress,
        Reason::DeadlinePassed { .. }
        | Reason::OffPace { .. }
        | Reason::NoTrend { .. }
        | Reason::PlanOverdue { .. }
        | Reason::PlanAfterDeadline { .. }
        | Reason::NoPlan { .. } => Status::NotAchieved,
    }
}

/// Every date a reason carries.
fn reason_dates(r: &Reason) -> Vec<Date> {
    match r {
        Reason::NotForKind(_) | Reason::Excluded(_) | Reason::NoData => vec![],
        Reason::Met { observed_on, .. } | Reason::Confirmed { observed_on, .. } => {
            vec![*observed_on]
        }
        Reason::DeadlinePassed { deadline, .. }
        | Reason::NoTrend { deadline, .. }
        | Reason::NoPlan { deadline } => vec![*deadline],
        Reason::OnPace {
            since, deadline, ..
        }
        | Reason::OffPace {
            since, deadline, ..
        } => vec![*since, *deadline],
        Reason::Planned {
            planned_by,
            deadline,
        }
        | Reason::PlanAfterDeadline {
            planned_by,
            deadline,
        } => vec![*planned_by, *deadline],
        Reason::PlanOverdue { planned_by } => vec![*planned_by],
    }
}

/// Whether `text` holds something shaped like an ISO date (`2022-10-31`).
fn has_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() >= 10
        && (0..=b.len() - 10).any(|i| {
            digits(i..i + 4)
                && b[i + 4] == b'-'
                && digits(i + 5..i + 7)
                && b[i + 7] == b'-'
                && digits(i + 8..i + 10)
        })
}

/// The numbers in a text, read with the marks of `lang` (`1.234,5` in Vietnamese, `1,234.5` in
/// English). A mark belongs to a number only between two digits; a `-` just before a digit is
/// a minus sign. Panics on a number that does
/// not follow the language's form, e.g. `72.5` in Vietnamese.
fn numbers(text: &str, lang: Lang) -> Vec<Decimal> {
    let (group, decimal) = match lang {
        Lang::Vi => ('.', ','),
        Lang::En => (',', '.'),
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let negative = i > 0 && chars[i - 1] == '-';
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || ((chars[i] == '.' || chars[i] == ',')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        let (int, frac) = match token.split_once(decimal) {
            Some((int, frac)) => (int, Some(frac)),
            None => (token.as_str(), None),
        };
        let groups: Vec<&str> = int.split(group).collect();
        let well_formed = !groups[0].is_empty()
            && groups[0].len() <= if groups.len() > 1 { 3 } else { usize::MAX }
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
            && frac.is_none_or(|f| {
                (1..=3).contains(&f.len()) && f.chars().all(|c| c.is_ascii_digit())
            });
        assert!(
            well_formed,
            "«{token}» is not a number written the {lang:?} way in «{text}»"
        );
        let plain = match frac {
            Some(f) => format!("{}.{f}", groups.concat()),
            None => groups.concat(),
        };
        let sign = if negative { "-" } else { "" };
        out.push(format!("{sign}{plain}").parse().unwrap());
    }
    out
}

/// Checks the texts of a reason: present in both languages, dates as dd/mm/yyyy, numbers in
/// each language's form and the same numbers in both.
fn check_reason_texts(reason: &Reason) -> Result<(), TestCaseError> {
    let (vi, en) = (reason.text(Lang::Vi), reason.text(Lang::En));
    prop_assert!(!vi.trim().is_empty() && !en.trim().is_empty());
    prop_assert_ne!(&vi, &en);
    prop_assert!(!has_iso_date(&vi), "ISO date in «{}»", vi);
    prop_assert!(!has_iso_date(&en), "ISO date in «{}»", en);
    let (mut vi_rest, mut en_rest) = (vi.clone(), en.clone());
    for d in reason_dates(reason) {
        prop_assert!(vi.contains(&d.dmy()), "«{}» lacks {}", vi, d.dmy());
        prop_assert!(en.contains(&d.dmy()), "«{}» lacks {}", en, d.dmy());
        vi_rest = vi_rest.replace(&d.dmy(), " ");
        en_rest = en_rest.replace(&d.dmy(), " ");
    }
    prop_assert_eq!(numbers(&vi_rest, Lang::Vi), numbers(&en_rest, Lang::En));
    prop_assert_eq!(reason.bilingual().vi, vi);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Random cases

#[derive(Debug, Clone)]
struct Case {
    indicator: Indicator,
    period_start: Date,
    history: Vec<Observation>,
    kind: UnitKind,
    exclusion: Option<String>,
}

impl Case {
    fn applicability(&self) -> Applicability {
        self.indicator
            .applicability(self.kind, self.exclusion.as_deref())
    }
    /// Every day from a little before the period to well after the deadline and any plan.
    fn window(&self) -> impl Iterator<Item = Date> + use<> {
        let first = self.period_start.add_days(-45);
        (0..=600).map(move |i| first.add_days(i))
    }
}

fn comparator(with_eq: bool) -> BoxedStrategy<Comparator> {
    if with_eq {
        prop_oneof![
            3 => Just(Comparator::Ge),
            1 => Just(Comparator::Gt),
            2 => Just(Comparator::Le),
            1 => Just(Comparator::Lt),
            1 => Just(Comparator::Eq),
        ]
        .boxed()
    } else {
        prop_oneof![
            3 => Just(Comparator::Ge),
            1 => Just(Comparator::Gt),
            2 => Just(Comparator::Le),
            1 => Just(Comparator::Lt),
        ]
        .boxed()
    }
}

/// Whether some figure can meet the target (the framework file refuses `< 0`, `< 0%` and
/// `> 100%`).
fn attainable(measure: Measure, target: &Target) -> bool {
    match *target {
        Target::Answer(_) => true,
        Target::Threshold { comparator, value } => match comparator {
            Comparator::Lt => value > Decimal::ZERO,
            Comparator::Gt => !measure.is_percentage() || value < Decimal::from_int(100),
            _ => true,
        },
    }
}

fn target_for(measure: Measure, comparators: BoxedStrategy<Comparator>) -> BoxedStrategy<Target> {
    let value = |max: i64| {
        prop_oneof![
            3 => (0..=max).prop_map(Decimal::from_int),
            1 => (0..=max * 1000).prop_map(Decimal::from_thousandths),
        ]
    };
    let target = match measure {
        Measure::YesNo => prop_oneof![4 => Just(true), 1 => Just(false)]
            .prop_map(Target::Answer)
            .boxed(),
        Measure::Count => (comparators, value(20))
            .prop_map(|(comparator, value)| Target::Threshold { comparator, value })
            .boxed(),
        Measure::Percent | Measure::Ratio => (comparators, value(100))
            .prop_map(|(comparator, value)| Target::Threshold { comparator, value })
            .boxed(),
    };
    target
        .prop_filter("a target some figure can meet", move |t| {
            attainable(measure, t)
        })
        .boxed()
}

fn figure_for(measure: Measure) -> BoxedStrategy<Figure> {
    let figure = match measure {
        Measure::YesNo => any::<bool>().prop_map(Figure::YesNo).boxed(),
        Measure::Count => prop_oneof![
            3 => (0i64..=25).prop_map(|i| Figure::Amount(Decimal::from_int(i))),
            1 => (0i64..=25_000).prop_map(|t| Figure::Amount(Decimal::from_thousandths(t))),
        ]
        .boxed(),
        Measure::Percent => prop_oneof![
            3 => (0i64..=100).prop_map(|i| Figure::Amount(Decimal::from_int(i))),
            1 => (0i64..=100_000).prop_map(|t| Figure::Amount(Decimal::from_thousandths(t))),
        ]
        .boxed(),
        Measure::Ratio => (1i64..=1_200)
            .prop_flat_map(|denominator| (0..=denominator, Just(denominator)))
            .prop_map(|(numerator, denominator)| Figure::Ratio {
                numerator,
                denominator,
            })
            .boxed(),
    };
    figure
        .prop_map(move |f| {
            assert_eq!(
                f.check(measure),
                Ok(()),
                "the generator made an invalid figure"
            );
            f
        })
        .boxed()
}

fn any_measure() -> BoxedStrategy<Measure> {
    prop_oneof![
        Just(Measure::YesNo),
        Just(Measure::Count),
        Just(Measure::Percent),
        Just(Measure::Ratio),
    ]
    .boxed()
}

/// Random cases for the given measures and comparators. Figures fall from 40 days before the
/// period to well after the deadline; plans from before the period to after the deadline.
fn cases(
    measures: BoxedStrategy<Measure>,
    comparators: fn() -> BoxedStrategy<Comparator>,
    max_figures: usize,
) -> impl Strategy<Value = Case> {
    let base = date("2022-01-01");
    (measures, 0i64..60, 0i64..=420)
        .prop_flat_map(move |(measure, start, deadline)| {
            let figures = prop::collection::vec(
                (
                    -40i64..=460,
                    figure_for(measure),
                    prop::option::weighted(0.6, -20i64..=480),
                ),
                0..=max_figures,
            );
            (
                Just(measure),
                Just(start),
                Just(deadline),
                target_for(measure, comparators()),
                figures,
                prop::option::of(Just("cuộc họp")),
                prop_oneof![
                    8 => Just(UnitKind::Phuong),
                    1 => proptest::sample::select(UnitKind::ALL.to_vec()),
                ],
                prop::option::weighted(0.1, Just("không có sản phẩm OCOP".to_string())),
            )
        })
        .prop_map(
            move |(measure, start, deadline, target, figures, unit, kind, exclusion)| {
                let period_start = base.add_days(start);
                let mut history: Vec<Observation> = figures
                    .into_iter()
                    .map(|(on, figure, plan)| Observation {
                        observed_on: period_start.add_days(on),
                        figure,
                        planned_by: plan.map(|p| period_start.add_days(p)),
                        note: String::new(),
                    })
                    .collect();
                history.sort_by_key(|o| o.observed_on);
                let unit = unit.filter(|_| measure == Measure::Count);
                Case {
                    indicator: indicator(measure, target, period_start.add_days(deadline), unit),
                    period_start,
                    history,
                    kind,
                    exclusion,
                }
            },
        )
}

fn all_comparators() -> BoxedStrategy<Comparator> {
    comparator(true)
}

fn any_case() -> impl Strategy<Value = Case> {
    cases(any_measure(), all_comparators, 7)
}

/// Cases that always apply to the unit.
fn applying_case() -> impl Strategy<Value = Case> {
    any_case().prop_map(|mut c| {
        c.kind = UnitKind::Xa;
        c.exclusion = None;
        c
    })
}

fn span_on(spans: &[Span], day: Date) -> &Span {
    spans
        .iter()
        .find(|s| s.from <= day && day < s.until)
        .unwrap_or_else(|| panic!("no span holds {day}"))
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The rules as implemented agree with the rules as stated, on every day.
    #[test]
    fn assess_follows_the_five_rules(case in any_case()) {
        let applicability = case.applicability();
        let rules = Rules {
            indicator: &case.indicator,
            applicability: &applicability,
            period_start: case.period_start,
        };
        for day in case.window() {
            let a = rules.assess(&case.history, day);
            let expected = oracle(&case.indicator, &applicability, case.period_start, &case.history, day);
            prop_assert_eq!(a.status, expected, "on {}: {:?}", day, a.reason);
            prop_assert_eq!(status_of_reason(&a.reason), a.status);
            let latest = in_force(&case.history, case.period_start, day).last().map(|(i, _)| *i);
            if a.status == Status::NotApplicable {
                prop_assert_eq!(a.latest, None);
            } else {
                prop_assert_eq!(a.latest, latest);
            }
        }
    }

    /// The timeline is a partition of all days into spans, each holding what `assess` says for
    /// every day in it, with no two neighbours alike.
    #[test]
    fn timeline_agrees_with_assess(case in any_case()) {
        let applicability = case.applicability();
        let rules = Rules {
            indicator: &case.indicator,
            applicability: &applicability,
            period_start: case.period_start,
        };
        let spans = rules.timeline(&case.history);
        prop_assert!(!spans.is_empty());
        prop_assert_eq!(spans[0].from, Date::MIN);
        prop_assert_eq!(spans.last().unwrap().until, Date::MAX);
        for s in &spans {
            prop_assert!(s.from < s.until, "empty span {:?}", s);
            prop_assert_eq!(&rules.assess(&case.history, s.from), &s.assessment);
            prop_assert_eq!(&rules.assess(&case.history, s.until.previous_day()), &s.assessment);
        }
        for pair in spans.windows(2) {
            prop_assert_eq!(pair[0].until, pair[1].from);
            prop_assert_ne!(&pair[0].assessment, &pair[1].assessment);
        }
        for day in case.window() {
            prop_assert_eq!(&span_on(&spans, day).assessment, &rules.assess(&case.history, day), "on {}", day);
        }
        let far = case.period_start.add_days(10_000);
        prop_assert_eq!(&span_on(&spans, far).assessment, &rules.assess(&case.history, far));
    }

    /// An indicator that does not apply, or that the unit is excused from, is not applicable
    /// whatever the figures say, with the reason naming the kind or the excuse.
    #[test]
    fn not_applicable_whatever_the_figures(case in any_case(), kind in proptest::sample::select(UnitKind::ALL.to_vec()), excused in any::<bool>()) {
        let exclusion = excused.then_some("không có sản phẩm OCOP");
        let applicability = case.indicator.applicability(kind, exclusion);
        let applies = case.indicator.applies_to.contains(&kind);
        match (&applicability, applies, exclusion) {
            (Applicability::NotForKind(k), false, _) => prop_assert_eq!(*k, kind),
            (Applicability::Excluded(why), true, Some(e)) => prop_assert_eq!(why, e),
            (Applicability::Applies, true, None) => return Ok(()),
            other => prop_assert!(false, "wrong applicability {:?}", other),
        }
        let rules = Rules { indicator: &case.indicator, applicability: &applicability, period_start: case.period_start };
        for day in case.window().chain([Date::MIN, Date::MAX]) {
            let a = rules.assess(&case.history, day);
            prop_assert_eq!(a.status, Status::NotApplicable);
            prop_assert_eq!(a.latest, None);
            let expected = match &applicability {
                Applicability::NotForKind(k) => Reason::NotForKind(*k),
                Applicability::Excluded(why) => Reason::Excluded(why.clone()),
                Applicability::Applies => unreachable!(),
            };
            prop_assert_eq!(a.reason, expected);
        }
        let spans = rules.timeline(&case.history);
        prop_assert_eq!(spans.len(), 1);
        check_reason_texts(&spans[0].assessment.reason)?;
    }

    /// With no figure inside the period on or before the day, there is no data, even when
    /// figures exist from before the period or from later days.
    #[test]
    fn no_figure_in_force_means_no_data(case in applying_case()) {
        let rules = Rules { indicator: &case.indicator, applicability: &Applicability::Applies, period_start: case.period_start };
        for day in case.window() {
            let a = rules.assess(&case.history, day);
            let none = in_force(&case.history, case.period_start, day).is_empty();
            prop_assert_eq!(none, a.status == Status::NoData, "on {}", day);
            if none {
                prop_assert_eq!(a.reason, Reason::NoData);
                prop_assert_eq!(a.latest, None);
            }
        }
        prop_assert_eq!(rules.assess(&case.history, case.period_start.previous_day()).status, Status::NoData);
    }

    /// A latest figure that meets the target is achieved on every later day, before or after
    /// the deadline, with the reason citing that figure's date; and achieved means just that.
    #[test]
    fn meeting_the_target_is_achieved_whatever_the_day(case in applying_case(), later in 0i64..2_000) {
        let rules = Rules { indicator: &case.indicator, applicability: &Applicability::Applies, period_start: case.period_start };
        for day in case.window() {
            let a = rules.assess(&case.history, day);
            let figures = in_force(&case.history, case.period_start, day);
            let met = figures.last().is_some_and(|(_, o)| meets(&case.indicator, &o.figure));
            prop_assert_eq!(met, a.status == Status::Achieved, "on {}", day);
        }
        let in_period: Vec<&Observation> = case.history.iter().filter(|o| o.observed_on >= case.period_start).collect();
        if let Some(last) = in_period.last()
            && meets(&case.indicator, &last.figure)
        {
            for day in [last.observed_on, last.observed_on.add_days(later), Date::MAX] {
                let a = rules.assess(&case.history, day);
                prop_assert_eq!(a.status, Status::Achieved);
                let is_met_reason = matches!(a.reason, Reason::Met { observed_on, .. } | Reason::Confirmed { observed_on, .. } if observed_on == last.observed_on);
                prop_assert!(is_met_reason, "{:?}", a.reason);
            }
        }
    }

    /// Once the deadline has passed nothing is in progress any more.
    #[test]
    fn never_in_progress_after_the_deadline(case in applying_case()) {
        let rules = Rules { indicator: &case.indicator, applicability: &Applicability::Applies, period_start: case.period_start };
        let deadline = case.indicator.deadline;
        for day in case.window().filter(|d| *d > deadline).chain([deadline.next_day(), Date::MAX]) {
            let a = rules.assess(&case.history, day);
            prop_assert_ne!(a.status, Status::InProgress, "on {}: {:?}", day, a.reason);
            if a.status == Status::NotAchieved {
                let passed = matches!(a.reason, Reason::DeadlinePassed { deadline: d, .. } if d == deadline);
                prop_assert!(passed, "{:?}", a.reason);
            }
        }
    }

    /// What is known on a day does not depend on figures dated later, nor on figures dated
    /// before the period.
    #[test]
    fn later_and_earlier_figures_do_not_matter(case in applying_case()) {
        let rules = Rules { indicator: &case.indicator, applicability: &Applicability::Applies, period_start: case.period_start };
        let in_period: Vec<Observation> = case.history.iter().filter(|o| o.observed_on >= case.period_start).cloned().collect();
        for day in case.window() {
            let full = rules.assess(&case.history, day);
            let known = case.history.partition_point(|o| o.observed_on <= day);
            prop_assert_eq!(&rules.assess(&case.history[..known], day), &full, "on {}", day);
            let trimmed = rules.assess(&in_period, day);
            prop_assert_eq!((trimmed.status, &trimmed.reason), (full.status, &full.reason), "on {}", day);
        }
    }

    /// A better latest figure (higher for `>=`/`>`, lower for `<=`/`<`, yes for `= yes`), or a
    /// worse earlier one, never makes the status worse.
    #[test]
    fn a_better_figure_never_makes_things_worse(
        (case, candidate) in cases(any_measure(), || comparator(false), 6)
            .prop_flat_map(|c| { let m = c.indicator.measure; (Just(c), figure_for(m)) }),
        offset in 0i64..=480,
    ) {
        prop_assume!(case.indicator.target != Target::Answer(false));
        let rules = Rules { indicator: &case.indicator, applicability: &Applicability::Applies, period_start: case.period_start };
        let day = case.period_start.add_days(offset);
        let figures = in_force(&case.history, case.period_start, day);
        let Some(&(last, _)) = figures.last() else { return Ok(()); };
        let upward = match case.indicator.target {
            Target::Answer(_) => true,
            Target::Threshold { comparator, .. } => matches!(comparator, Comparator::Ge | Comparator::Gt),
        };
        // Of two figures, the one nearer to meeting the target, and the other.
        let better = |a: Figure, b: Figure| {
            let (fa, fb) = (figure_frac(&a), figure_frac(&b));
            let a_higher = fa.0 * fb.1 >= fb.0 * fa.1;
            if a_higher == upward { a } else { b }
        };
        let worse = |a: Figure, b: Figure| if better(a, b) == a { b } else { a };
        let before = rules.assess(&case.history, day).status;

        let mut improved = case.history.clone();
        improved[last].figure = better(improved[last].figure, candidate);
        let after = rules.assess(&improved, day).status;
        prop_assert!(rank(after) >= rank(before), "{:?} → {:?} on {}", before, after, day);

        let latest_on = case.history[last].observed_on;
        if let Some(&(prev, _)) = figures.iter().rev().find(|(_, o)| o.observed_on < latest_on) {
            let mut lowered = case.history.clone();
            lowered[prev].figure = worse(lowered[prev].figure, candidate);
            let after = rules.assess(&lowered, day).status;
            prop_assert!(rank(after) >= rank(before), "{:?} → {:?} on {}", before, after, day);
        }
    }

    /// Reasons read well in both languages, and projections say what the status says.
    #[test]
    fn reasons_read_well_in_both_languages(case in any_case()) {
        let applicability = case.applicability();
        let rules = Rules { indicator: &case.indicator, applicability: &applicability, period_start: case.period_start };
        let ind = &case.indicator;
        for span in rules.timeline(&case.history) {
            let reason = &span.assessment.reason;
            check_reason_texts(reason)?;
            let projection = match reason {
                Reason::OnPace { projected, .. } => Some((projected, true)),
                Reason::OffPace { projected, .. } => Some((projected, false)),
                _ => None,
            };
            if let Some((projected, on_pace)) = projection {
                let shown = numbers(&projected.en, Lang::En);
                prop_assert_eq!(shown.len(), 1, "{:?}", projected);
                prop_assert_eq!(numbers(&projected.vi, Lang::Vi), shown.clone());
                let shown = Figure::Amount(shown[0]);
                // A projection is shown as an amount, a ratio's as a percentage.
                let as_measure = if ind.measure == Measure::Ratio { Measure::Percent } else { ind.measure };
                prop_assert_eq!(shown.check(as_measure), Ok(()), "projection {:?} out of range", projected);
                prop_assert_eq!(
                    meets(ind, &shown), on_pace,
                    "the projection shown ({}) contradicts the verdict: {}", projected.en, reason.text(Lang::En)
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Projections that land next to the target: the one-decimal figure shown must still say
    /// what the verdict says (never "reaches only 80%" beside a "≥ 80%" target).
    #[test]
    fn a_projection_next_to_the_target_never_contradicts_the_verdict(
        comparator in comparator(false),
        target in 1i64..=99_999,
        base in 0i64..=100_000,
        elapsed in 1i64..=200,
        ahead in 0i64..=200,
        jitter in -6i64..=6,
    ) {
        // The current figure whose projection is the target, give or take a few thousandths.
        let current = (target * elapsed + base * ahead) / (elapsed + ahead) + jitter;
        prop_assume!((0..=100_000).contains(&current));
        let latest_on = date("2022-06-01");
        let ind = indicator(
            Measure::Percent,
            Target::Threshold { comparator, value: Decimal::from_thousandths(target) },
            latest_on.add_days(ahead),
            None,
        );
        let history = [
            Observation { observed_on: latest_on.add_days(-elapsed), figure: Figure::Amount(Decimal::from_thousandths(base)), planned_by: None, note: String::new() },
            Observation { observed_on: latest_on, figure: Figure::Amount(Decimal::from_thousandths(current)), planned_by: None, note: String::new() },
        ];
        let a = assess(&ind, &history, "2022-06-01");
        let (projected, on_pace) = match &a.reason {
            Reason::OnPace { projected, .. } => (projected, true),
            Reason::OffPace { projected, .. } => (projected, false),
            _ => return Ok(()),
        };
        let shown = numbers(&projected.en, Lang::En);
        prop_assert_eq!(meets(&ind, &Figure::Amount(shown[0])), on_pace, "{}", a.reason.text(Lang::En));
    }
}

// ---------------------------------------------------------------------------------------------
// Worked examples

#[test]
fn on_pace_percentage_is_in_progress() {
    // 60% on 30/06, 72% on 30/09: +12 points in 92 days, 92 more days to 31/12 → 84%.
    let ind = indicator(
        Measure::Percent,
        threshold(Comparator::Ge, "80"),
        date("2022-12-31"),
        None,
    );
    let history = [obs("2022-06-30", pct("60")), obs("2022-09-30", pct("72"))];
    let a = assess(&ind, &history, "2022-10-31");
    assert_eq!(a.status, Status::InProgress);
    assert_eq!(a.latest, Some(1));
    assert_eq!(
        a.reason.text(Lang::Vi),
        "72%, chưa đạt mục tiêu ≥ 80%; theo tốc độ từ 30/06/2022, dự kiến đạt 84% vào 31/12/2022"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "72%, short of the ≥ 80% target; at the pace since 30/06/2022 it reaches 84% by 31/12/2022"
    );
}

#[test]
fn off_pace_percentage_is_not_achieved_with_decimal_commas() {
    // 70% on 30/06, 72,5% on 30/09 → 75% by 31/12, short of 80%.
    let ind = indicator(
        Measure::Percent,
        threshold(Comparator::Ge, "80"),
        date("2022-12-31"),
        None,
    );
    let history = [obs("2022-06-30", pct("70")), obs("2022-09-30", pct("72.5"))];
    let a = assess(&ind, &history, "2022-10-31");
    assert_eq!(a.status, Status::NotAchieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "72,5%, chưa đạt mục tiêu ≥ 80%; theo tốc độ từ 30/06/2022, đến 31/12/2022 chỉ đạt 75%"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "72.5%, short of the ≥ 80% target; at the pace since 30/06/2022 it reaches only 75% by 31/12/2022"
    );
}

#[test]
fn a_projection_just_short_of_the_target_is_not_rounded_up_to_it() {
    // 60% on 30/06, 69,98% on 30/09 → 79,96% by 31/12: short of ≥ 80%, shown as 79,9%.
    let ind = indicator(
        Measure::Percent,
        threshold(Comparator::Ge, "80"),
        date("2022-12-31"),
        None,
    );
    let history = [
        obs("2022-06-30", pct("60")),
        obs("2022-09-30", pct("69.98")),
    ];
    let a = assess(&ind, &history, "2022-09-30");
    assert_eq!(a.status, Status::NotAchieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "69,98%, chưa đạt mục tiêu ≥ 80%; theo tốc độ từ 30/06/2022, đến 31/12/2022 chỉ đạt 79,9%"
    );
    // 70,01% instead → 80,02%, which meets > 80%: shown as 80,1%, not 80%.
    let ind = Indicator {
        target: threshold(Comparator::Gt, "80"),
        ..ind
    };
    let history = [
        obs("2022-06-30", pct("60")),
        obs("2022-09-30", pct("70.01")),
    ];
    let a = assess(&ind, &history, "2022-09-30");
    assert_eq!(a.status, Status::InProgress);
    assert!(
        a.reason
            .text(Lang::Vi)
            .ends_with("dự kiến đạt 80,1% vào 31/12/2022"),
        "{}",
        a.reason.text(Lang::Vi)
    );
}

#[test]
fn a_falling_count_is_not_projected_below_zero() {
    // 5 meetings counted on 31/03, then 1 on 30/06 (a correction): the pace points below zero.
    let ind = indicator(
        Measure::Count,
        threshold(Comparator::Ge, "4"),
        date("2022-12-31"),
        Some("cuộc họp"),
    );
    let history = [
        obs("2022-03-31", Figure::Amount(dec("5"))),
        obs("2022-06-30", Figure::Amount(dec("1"))),
    ];
    let a = assess(&ind, &history, "2022-06-30");
    assert_eq!(a.status, Status::NotAchieved);
    assert!(
        a.reason.text(Lang::Vi).ends_with("chỉ đạt 0 cuộc họp"),
        "{}",
        a.reason.text(Lang::Vi)
    );
}

#[test]
fn a_projection_beyond_100_percent_is_shown_as_100() {
    let ind = indicator(
        Measure::Percent,
        threshold(Comparator::Ge, "95"),
        date("2022-12-31"),
        None,
    );
    let history = [obs("2022-06-30", pct("50")), obs("2022-09-30", pct("90"))];
    let a = assess(&ind, &history, "2022-09-30");
    assert_eq!(a.status, Status::InProgress);
    assert!(
        a.reason
            .text(Lang::Vi)
            .ends_with("dự kiến đạt 100% vào 31/12/2022")
    );
}

#[test]
fn count_of_meetings_paces_from_zero_at_the_period_start() {
    // ≥ 4 committee meetings a year; 3 held by 31/10/2022. From 0 on 01/01: 3 in 303 days,
    // 61 days left → 3,6 by 31/12: not achieved.
    let ind = indicator(
        Measure::Count,
        threshold(Comparator::Ge, "4"),
        date("2022-12-31"),
        Some("cuộc họp"),
    );
    let history = [obs("2022-10-31", Figure::Amount(dec("3")))];
    let a = assess(&ind, &history, "2022-10-31");
    assert_eq!(a.status, Status::NotAchieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "3 cuộc họp, chưa đạt mục tiêu ≥ 4; theo tốc độ từ 01/01/2022, đến 31/12/2022 chỉ đạt 3,6 cuộc họp"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "3 cuộc họp, short of the ≥ 4 target; at the pace since 01/01/2022 it reaches only 3.6 cuộc họp by 31/12/2022"
    );

    // The same 3 meetings by 31/08 are on pace (3 in 242 days, 122 left → 4,5).
    let history = [obs("2022-08-31", Figure::Amount(dec("3")))];
    let a = assess(&ind, &history, "2022-10-31");
    assert_eq!(a.status, Status::InProgress);
    assert!(
        a.reason
            .text(Lang::Vi)
            .ends_with("dự kiến đạt 4,5 cuộc họp vào 31/12/2022"),
        "{}",
        a.reason.text(Lang::Vi)
    );

    // The fourth meeting achieves it.
    let history = [
        obs("2022-10-31", Figure::Amount(dec("3"))),
        obs("2022-11-20", Figure::Amount(dec("4"))),
    ];
    let a = assess(&ind, &history, "2022-12-31");
    assert_eq!(a.status, Status::Achieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "4 cuộc họp đạt mục tiêu ≥ 4 (số liệu ngày 20/11/2022)"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "4 cuộc họp meets the ≥ 4 target (figure of 20/11/2022)"
    );

    // Still 3 on 01/01/2023: the deadline has passed.
    let a = assess(&ind, &history[..1], "2023-01-01");
    assert_eq!(a.status, Status::NotAchieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "3 cuộc họp, chưa đạt mục tiêu ≥ 4; đã quá hạn 31/12/2022"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "3 cuộc họp, short of the ≥ 4 target; the deadline 31/12/2022 has passed"
    );
}

#[test]
fn a_single_percentage_has_no_trend() {
    let ind = indicator(
        Measure::Ratio,
        threshold(Comparator::Ge, "90"),
        date("2022-12-31"),
        None,
    );
    let history = [obs(
        "2022-09-30",
        Figure::Ratio {
            numerator: 412,
            denominator: 500,
        },
    )];
    let a = assess(&ind, &history, "2022-10-31");
    assert_eq!(a.status, Status::NotAchieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "82,4% (412/500), chưa đạt mục tiêu ≥ 90%; chưa có số liệu trước đó cho thấy sẽ đạt trước hạn 31/12/2022"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "82.4% (412/500), short of the ≥ 90% target; no earlier figure shows it being met by 31/12/2022"
    );
}

#[test]
fn large_ratios_group_thousands_per_language() {
    let ind = indicator(
        Measure::Ratio,
        threshold(Comparator::Ge, "80"),
        date("2022-12-31"),
        None,
    );
    let history = [obs(
        "2022-09-30",
        Figure::Ratio {
            numerator: 10_450,
            denominator: 12_000,
        },
    )];
    let a = assess(&ind, &history, "2022-10-31");
    assert_eq!(a.status, Status::Achieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "87,1% (10.450/12.000) đạt mục tiêu ≥ 80% (số liệu ngày 30/09/2022)"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "87.1% (10,450/12,000) meets the ≥ 80% target (figure of 30/09/2022)"
    );
}

#[test]
fn a_falling_share_towards_an_upper_limit_is_on_pace() {
    // Paper documents ≤ 10%: 30% on 30/06, 20% on 30/09 → 10% by 31/12, which meets ≤ 10%.
    let ind = indicator(
        Measure::Percent,
        threshold(Comparator::Le, "10"),
        date("2022-12-31"),
        None,
    );
    let history = [obs("2022-06-30", pct("30")), obs("2022-09-30", pct("20"))];
    let a = assess(&ind, &history, "2022-10-01");
    assert_eq!(a.status, Status::InProgress);
    assert_eq!(
        a.reason.text(Lang::En),
        "20%, short of the ≤ 10% target; at the pace since 30/06/2022 it reaches 10% by 31/12/2022"
    );
    // With `< 10%` the same pace falls short.
    let ind = Indicator {
        target: threshold(Comparator::Lt, "10"),
        ..ind
    };
    let a = assess(&ind, &history, "2022-10-01");
    assert_eq!(a.status, Status::NotAchieved);
}

#[test]
fn an_equality_target_has_no_pace() {
    let ind = indicator(
        Measure::Percent,
        threshold(Comparator::Eq, "100"),
        date("2022-12-31"),
        None,
    );
    let history = [obs("2022-03-31", pct("50")), obs("2022-06-30", pct("90"))];
    let a = assess(&ind, &history, "2022-07-01");
    assert_eq!(a.status, Status::NotAchieved);
    assert!(matches!(a.reason, Reason::NoTrend { .. }));
}

#[test]
fn yes_no_with_a_plan_within_the_deadline_is_in_progress_until_the_plan_slips() {
    let ind = indicator(
        Measure::YesNo,
        Target::Answer(true),
        date("2022-12-31"),
        None,
    );
    let history = [planned("2022-06-30", Figure::YesNo(false), "2022-11-15")];

    let a = assess(&ind, &history, "2022-10-31");
    assert_eq!(a.status, Status::InProgress);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "Chưa đạt; kế hoạch hoàn thành ngày 15/11/2022, trong hạn 31/12/2022"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "Not met yet; planned for 15/11/2022, within the deadline 31/12/2022"
    );
    // On the plan date itself it is still in progress; the day after, the plan has slipped.
    assert_eq!(
        assess(&ind, &history, "2022-11-15").status,
        Status::InProgress
    );
    let a = assess(&ind, &history, "2022-11-16");
    assert_eq!(a.status, Status::NotAchieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "Chưa đạt; kế hoạch hoàn thành ngày 15/11/2022 đã bị trễ"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "Not met; the plan to finish by 15/11/2022 has slipped"
    );
    // After the deadline the deadline is the reason.
    let a = assess(&ind, &history, "2023-01-01");
    assert_eq!(
        a.reason.text(Lang::Vi),
        "Không, chưa đạt mục tiêu Có; đã quá hạn 31/12/2022"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "No, short of the Yes target; the deadline 31/12/2022 has passed"
    );

    // Done on 20/11.
    let done = [history[0].clone(), obs("2022-11-20", Figure::YesNo(true))];
    let a = assess(&ind, &done, "2022-11-20");
    assert_eq!(a.status, Status::Achieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "Có, đạt yêu cầu (số liệu ngày 20/11/2022)"
    );

    // The whole story as spans.
    let applies = Applicability::Applies;
    let rules = Rules {
        indicator: &ind,
        applicability: &applies,
        period_start: date("2022-01-01"),
    };
    let spans: Vec<(Date, Date, Status)> = rules
        .timeline(&done)
        .into_iter()
        .map(|s| (s.from, s.until, s.assessment.status))
        .collect();
    assert_eq!(
        spans,
        [
            (Date::MIN, date("2022-06-30"), Status::NoData),
            (date("2022-06-30"), date("2022-11-16"), Status::InProgress),
            (date("2022-11-16"), date("2022-11-20"), Status::NotAchieved),
            (date("2022-11-20"), Date::MAX, Status::Achieved),
        ]
    );
}

#[test]
fn yes_no_with_a_plan_after_the_deadline_or_no_plan_is_not_achieved() {
    let ind = indicator(
        Measure::YesNo,
        Target::Answer(true),
        date("2022-12-31"),
        None,
    );
    let late = [planned("2022-06-30", Figure::YesNo(false), "2023-03-31")];
    let a = assess(&ind, &late, "2022-10-31");
    assert_eq!(a.status, Status::NotAchieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "Chưa đạt; kế hoạch hoàn thành ngày 31/03/2023, muộn hơn hạn 31/12/2022"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "Not met; planned for 31/03/2023, after the deadline 31/12/2022"
    );

    let none = [obs("2022-06-30", Figure::YesNo(false))];
    let a = assess(&ind, &none, "2022-10-31");
    assert_eq!(a.status, Status::NotAchieved);
    assert_eq!(
        a.reason.text(Lang::Vi),
        "Chưa đạt và chưa có kế hoạch hoàn thành trước hạn 31/12/2022"
    );
    assert_eq!(
        a.reason.text(Lang::En),
        "Not met, and no plan to finish by 31/12/2022"
    );

    // A plan on the deadline itself is within it.
    let on_time = [planned("2022-06-30", Figure::YesNo(false), "2022-12-31")];
    assert_eq!(
        assess(&ind, &on_time, "2022-12-31").status,
        Status::InProgress
    );
    // A newer "no" without a plan drops the earlier plan.
    let dropped = [on_time[0].clone(), obs("2022-09-30", Figure::YesNo(false))];
    assert_eq!(
        assess(&ind, &dropped, "2022-10-31").reason,
        Reason::NoPlan {
            deadline: date("2022-12-31")
        }
    );
}

#[test]
fn not_applicable_and_excused_reasons() {
    let ind = indicator(
        Measure::YesNo,
        Target::Answer(true),
        date("2022-12-31"),
        None,
    );
    let history = [obs("2022-06-30", Figure::YesNo(true))];
    for (applicability, vi, en) in [
        (
            ind.applicability(UnitKind::Huyen, None),
            "Không áp dụng cho đơn vị loại Huyện",
            "Does not apply to a unit of kind Rural district",
        ),
        (
            ind.applicability(UnitKind::Phuong, Some("không có sản phẩm OCOP")),
            "Được miễn: không có sản phẩm OCOP",
            "Excused: không có sản phẩm OCOP",
        ),
    ] {
        let rules = Rules {
            indicator: &ind,
            applicability: &applicability,
            period_start: date("2022-01-01"),
        };
        let a = rules.assess(&history, date("2022-10-31"));
        assert_eq!(a.status, Status::NotApplicable);
        assert_eq!(a.reason.text(Lang::Vi), vi);
        assert_eq!(a.reason.text(Lang::En), en);
    }
}

#[test]
fn figures_before_the_period_do_not_count() {
    let ind = indicator(
        Measure::Percent,
        threshold(Comparator::Ge, "80"),
        date("2022-12-31"),
        None,
    );
    let history = [obs("2021-12-31", pct("95"))];
    let a = assess(&ind, &history, "2022-10-31");
    assert_eq!(a.status, Status::NoData);
    assert_eq!(a.reason.text(Lang::Vi), "Chưa có số liệu");
    assert_eq!(a.reason.text(Lang::En), "No figure reported yet");
    // Nor does it serve as the starting point of a pace.
    let history = [obs("2021-12-31", pct("10")), obs("2022-06-30", pct("60"))];
    assert!(matches!(
        assess(&ind, &history, "2022-07-01").reason,
        Reason::NoTrend { .. }
    ));
}

#[test]
fn two_figures_on_one_day_the_later_recorded_wins() {
    let ind = indicator(
        Measure::Percent,
        threshold(Comparator::Ge, "80"),
        date("2022-12-31"),
        None,
    );
    let history = [obs("2022-06-30", pct("85")), obs("2022-06-30", pct("70"))];
    let a = assess(&ind, &history, "2022-06-30");
    assert_eq!(a.latest, Some(1));
    assert_eq!(a.status, Status::NotAchieved);
}

#[test]
fn the_number_reader_used_above_refuses_the_wrong_marks() {
    assert_eq!(
        numbers("72,5% (1.234/2.000) và 3", Lang::Vi),
        [dec("72.5"), dec("1234"), dec("2000"), dec("3")]
    );
    assert_eq!(
        numbers("72.5%, of 1,234; 3", Lang::En),
        [dec("72.5"), dec("1234"), dec("3")]
    );
    assert!(std::panic::catch_unwind(|| numbers("đạt 72.5%", Lang::Vi)).is_err());
    assert!(has_iso_date("ngày 2022-10-31"));
    assert!(!has_iso_date("ngày 31/10/2022"));
}
