//! The rest of the story after the figures: who supports the wards, the meeting of 31/10/2022
//! with the chair's five conclusions, the support tasks they became, the training of November
//! 2022, and both wards applying in January 2023 and being recognised by the province.
//!
//! The meeting, its chair and its conclusions are the source's (the city portal's news of
//! 31/10/2022); the organisations' members, the tasks' wording and dates, the officials trained,
//! the decision numbers and signers are illustrative.

use tiendo_domain::{Figure, Observation};

use crate::{BAC_SON_CODE, CITY_CODE, DemoFigure, QUANG_TIEN_CODE, day};

/// The province whose appraisers recognise the wards.
pub const PROVINCE_CODE: &str = "38";

/// An organisation that supports the wards.
#[derive(Clone, Copy, Debug)]
pub struct DemoOrganisation {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    /// `department`, `operator`, `committee` or `other`.
    pub kind: &'static str,
    /// The unit it serves.
    pub unit: &'static str,
    /// The framework groups whose indicators it supports.
    pub supports: &'static [&'static str],
    /// The demo accounts that are its members.
    pub members: &'static [&'static str],
}

pub const ORGANISATIONS: [DemoOrganisation; 5] = [
    DemoOrganisation {
        code: "BCD-CDS-382",
        name: "Ban Chỉ đạo chuyển đổi số thành phố Sầm Sơn",
        name_en: "Sầm Sơn City Digital Transformation Steering Committee",
        kind: "committee",
        unit: CITY_CODE,
        supports: &[],
        members: &["samson"],
    },
    DemoOrganisation {
        code: "VHTT-382",
        name: "Phòng Văn hóa - Thông tin thành phố Sầm Sơn",
        name_en: "Sầm Sơn City Culture and Information Office",
        kind: "department",
        unit: CITY_CODE,
        supports: &["nhan-thuc", "the-che", "nhan-luc", "an-toan"],
        members: &["vhtt"],
    },
    DemoOrganisation {
        code: "VP-382",
        name: "Văn phòng HĐND và UBND thành phố Sầm Sơn",
        name_en: "Office of the Sầm Sơn City People's Council and People's Committee",
        kind: "department",
        unit: CITY_CODE,
        supports: &["chinh-quyen"],
        members: &[],
    },
    DemoOrganisation {
        code: "VNPT-382",
        name: "VNPT VinaPhone Sầm Sơn",
        name_en: "VNPT VinaPhone Sầm Sơn",
        kind: "operator",
        unit: CITY_CODE,
        supports: &["ha-tang", "kinh-te", "xa-hoi"],
        members: &["vinaphone"],
    },
    DemoOrganisation {
        code: "VIETTEL-382",
        name: "Viettel Sầm Sơn",
        name_en: "Viettel Sầm Sơn",
        kind: "operator",
        unit: CITY_CODE,
        supports: &["ha-tang", "kinh-te", "xa-hoi"],
        members: &["viettel"],
    },
];

/// The progress meeting of 31/10/2022.
#[derive(Clone, Copy, Debug)]
pub struct DemoMeeting {
    pub unit: &'static str,
    pub held_on: &'static str,
    pub title: &'static str,
    pub chair: &'static str,
    pub place: &'static str,
    pub attendees: &'static [&'static str],
    pub units: &'static [&'static str],
    /// The chair's conclusions, in order.
    pub conclusions: &'static [&'static str],
    /// The account that records it.
    pub recorded_by: &'static str,
}

pub const MEETING: DemoMeeting = DemoMeeting {
    unit: CITY_CODE,
    held_on: "2022-10-31",
    title: "Hội nghị nghe báo cáo tiến độ hoàn thành các chỉ tiêu chuyển đổi số năm 2022 đối với phường Bắc Sơn và phường Quảng Tiến",
    chair: "Đồng chí Bùi Quốc Đạt, Ủy viên Ban Thường vụ Thành ủy, Phó Chủ tịch UBND thành phố",
    place: "UBND thành phố Sầm Sơn",
    attendees: &[
        "Các đồng chí thành viên Ban Chỉ đạo chuyển đổi số thành phố",
        "Bí thư Đảng ủy, Chủ tịch UBND phường Bắc Sơn",
        "Bí thư Đảng ủy, Chủ tịch UBND phường Quảng Tiến",
    ],
    units: &[BAC_SON_CODE, QUANG_TIEN_CODE],
    conclusions: &[
        "Phường Quảng Tiến và phường Bắc Sơn bổ sung, đánh giá rõ các chỉ tiêu bằng các số liệu cụ thể.",
        "Giao các phòng chuyên môn nghiên cứu, hỗ trợ hai phường thực hiện các chỉ tiêu chưa đạt.",
        "Phòng Văn hóa - Thông tin chủ trì tổ chức buổi tập huấn chuyên sâu về công nghệ thông tin cho công chức chuyên môn, phụ trách giúp việc chuyển đổi số để đáp ứng yêu cầu công việc.",
        "Đề nghị các đơn vị cung cấp mạng viễn thông VinaPhone, Viettel bố trí nhân sự hỗ trợ các phường hoàn thành nhiệm vụ được giao, đặc biệt hai phường Quảng Tiến và Bắc Sơn.",
        "Chuẩn bị để hai phường được Tỉnh thẩm định, công nhận hoàn thành chuyển đổi số.",
    ],
    recorded_by: "samson",
};

/// Whom a task is assigned to.
#[derive(Clone, Copy, Debug)]
pub enum Assignee {
    /// An organisation, by code.
    Organisation(&'static str),
    /// A unit, by code (its officers carry it out).
    Unit(&'static str),
}

/// A progress note on a task, with the status after it.
#[derive(Clone, Copy, Debug)]
pub struct DemoNote {
    pub on: &'static str,
    pub by: &'static str,
    /// `open`, `in_progress`, `done` or `cancelled`.
    pub status: &'static str,
    pub note: &'static str,
}

/// A support task made from one of the meeting's conclusions.
#[derive(Clone, Copy, Debug)]
pub struct DemoTask {
    /// The conclusion it carries out, counted from 1.
    pub conclusion: usize,
    pub title: &'static str,
    pub units: &'static [&'static str],
    pub indicators: &'static [&'static str],
    pub assignee: Assignee,
    pub due_on: &'static str,
    pub notes: &'static [DemoNote],
}

const fn done(on: &'static str, by: &'static str, note: &'static str) -> DemoNote {
    DemoNote {
        on,
        by,
        status: "done",
        note,
    }
}
const fn working(on: &'static str, by: &'static str, note: &'static str) -> DemoNote {
    DemoNote {
        on,
        by,
        status: "in_progress",
        note,
    }
}

pub const TASKS: [DemoTask; 10] = [
    DemoTask {
        conclusion: 1,
        title: "Bổ sung số liệu cụ thể cho từng chỉ tiêu chuyển đổi số của phường Bắc Sơn",
        units: &[BAC_SON_CODE],
        indicators: &[],
        assignee: Assignee::Unit(BAC_SON_CODE),
        due_on: "2022-11-10",
        notes: &[done(
            "2022-11-08",
            "bacson",
            "Đã cập nhật số liệu theo tháng cho cả 31 chỉ tiêu, kèm báo cáo của UBND phường.",
        )],
    },
    DemoTask {
        conclusion: 1,
        title: "Bổ sung số liệu cụ thể cho từng chỉ tiêu chuyển đổi số của phường Quảng Tiến",
        units: &[QUANG_TIEN_CODE],
        indicators: &[],
        assignee: Assignee::Unit(QUANG_TIEN_CODE),
        due_on: "2022-11-10",
        notes: &[done(
            "2022-11-09",
            "quangtien",
            "Đã cập nhật số liệu theo tháng cho cả 30 chỉ tiêu.",
        )],
    },
    DemoTask {
        conclusion: 2,
        title: "Hỗ trợ phường Bắc Sơn nâng tỷ lệ hồ sơ thủ tục hành chính nộp trực tuyến lên 80%",
        units: &[BAC_SON_CODE],
        indicators: &["CQ-05"],
        assignee: Assignee::Organisation("VP-382"),
        due_on: "2022-12-20",
        notes: &[
            working(
                "2022-11-15",
                "samson",
                "Bố trí 02 cán bộ hướng dẫn người dân nộp hồ sơ trực tuyến tại bộ phận một cửa.",
            ),
            done(
                "2022-12-20",
                "samson",
                "Tỷ lệ hồ sơ nộp trực tuyến của phường đạt trên 80%.",
            ),
        ],
    },
    DemoTask {
        conclusion: 2,
        title: "Hỗ trợ phường Bắc Sơn lắp đặt phòng họp trực tuyến kết nối với thành phố",
        units: &[BAC_SON_CODE],
        indicators: &["CQ-08"],
        assignee: Assignee::Organisation("VP-382"),
        due_on: "2022-11-30",
        notes: &[done(
            "2022-11-25",
            "samson",
            "Phòng họp trực tuyến đã kết nối thử nghiệm thành công với thành phố.",
        )],
    },
    DemoTask {
        conclusion: 2,
        title: "Hỗ trợ phường Quảng Tiến duy trì họp Ban Chỉ đạo chuyển đổi số đủ 4 cuộc trong năm",
        units: &[QUANG_TIEN_CODE],
        indicators: &["NT-02"],
        assignee: Assignee::Organisation("VHTT-382"),
        due_on: "2022-12-15",
        notes: &[done(
            "2022-12-10",
            "vhtt",
            "Phường đã tổ chức cuộc họp thứ tư của Ban Chỉ đạo.",
        )],
    },
    DemoTask {
        conclusion: 3,
        title: "Tổ chức tập huấn chuyên sâu về công nghệ thông tin cho công chức phụ trách chuyển đổi số",
        units: &[BAC_SON_CODE, QUANG_TIEN_CODE],
        indicators: &["NL-01"],
        assignee: Assignee::Organisation("VHTT-382"),
        due_on: "2022-11-30",
        notes: &[done(
            "2022-11-18",
            "vhtt",
            "Đã tổ chức lớp tập huấn ngày 18/11/2022 cho công chức hai phường.",
        )],
    },
    DemoTask {
        conclusion: 4,
        title: "Bố trí nhân sự kéo cáp quang đến hộ gia đình tại các tổ dân phố ven biển phường Bắc Sơn",
        units: &[BAC_SON_CODE],
        indicators: &["HT-03"],
        assignee: Assignee::Organisation("VNPT-382"),
        due_on: "2022-12-20",
        notes: &[
            working(
                "2022-11-30",
                "vinaphone",
                "Đã kéo cáp quang thêm 123 hộ; tiếp tục triển khai tại tổ dân phố ven biển.",
            ),
            done(
                "2022-12-20",
                "vinaphone",
                "Tỷ lệ hộ gia đình có cáp quang đạt trên 80%.",
            ),
        ],
    },
    DemoTask {
        conclusion: 4,
        title: "Hỗ trợ hộ kinh doanh phường Bắc Sơn chấp nhận thanh toán không dùng tiền mặt",
        units: &[BAC_SON_CODE],
        indicators: &["KT-01"],
        assignee: Assignee::Organisation("VIETTEL-382"),
        due_on: "2022-12-20",
        notes: &[done(
            "2022-12-15",
            "viettel",
            "Hướng dẫn hộ kinh doanh mở tài khoản và dùng mã QR thanh toán.",
        )],
    },
    DemoTask {
        conclusion: 4,
        title: "Hỗ trợ phường Quảng Tiến đăng ký thanh toán tiền điện không dùng tiền mặt và định danh điện tử mức 2",
        units: &[QUANG_TIEN_CODE],
        indicators: &["XH-02", "XH-03"],
        assignee: Assignee::Organisation("VIETTEL-382"),
        due_on: "2022-12-20",
        notes: &[
            working(
                "2022-11-20",
                "viettel",
                "Tổ công nghệ số cộng đồng đến từng hộ hướng dẫn cài đặt ứng dụng.",
            ),
            done(
                "2022-12-18",
                "viettel",
                "Hai chỉ tiêu đã đạt mục tiêu của năm.",
            ),
        ],
    },
    DemoTask {
        conclusion: 5,
        title: "Hoàn thiện hồ sơ đề nghị Tỉnh thẩm định, công nhận hai phường hoàn thành chuyển đổi số",
        units: &[BAC_SON_CODE, QUANG_TIEN_CODE],
        indicators: &[],
        assignee: Assignee::Organisation("BCD-CDS-382"),
        due_on: "2023-01-15",
        notes: &[done(
            "2023-01-12",
            "samson",
            "Hai phường đã nộp hồ sơ đề nghị công nhận.",
        )],
    },
];

/// An official trained.
#[derive(Clone, Copy, Debug)]
pub struct Trainee {
    pub unit: &'static str,
    pub name: &'static str,
    pub position: &'static str,
}

/// The training the third conclusion ordered.
#[derive(Clone, Copy, Debug)]
pub struct DemoTraining {
    pub conclusion: usize,
    pub organiser: &'static str,
    pub held_on: &'static str,
    pub topic: &'static str,
    pub place: &'static str,
    pub indicator: &'static str,
    pub attendees: &'static [Trainee],
    pub recorded_by: &'static str,
}

const fn trainee(unit: &'static str, name: &'static str, position: &'static str) -> Trainee {
    Trainee {
        unit,
        name,
        position,
    }
}

/// Bắc Sơn had trained 17 of its 22 officials by 30/09; the five not yet trained complete it.
pub const TRAINING: DemoTraining = DemoTraining {
    conclusion: 3,
    organiser: "VHTT-382",
    held_on: "2022-11-18",
    topic: "Tập huấn chuyên sâu về công nghệ thông tin cho công chức chuyên môn, phụ trách giúp việc chuyển đổi số",
    place: "Hội trường UBND thành phố Sầm Sơn",
    indicator: "NL-01",
    attendees: &[
        trainee(
            BAC_SON_CODE,
            "Nguyễn Văn Hùng",
            "Công chức Văn phòng - Thống kê",
        ),
        trainee(BAC_SON_CODE, "Lê Thị Thu Hà", "Công chức Văn hóa - Xã hội"),
        trainee(
            BAC_SON_CODE,
            "Trần Minh Tuấn",
            "Công chức Địa chính - Xây dựng",
        ),
        trainee(
            BAC_SON_CODE,
            "Phạm Thị Lan",
            "Công chức Tài chính - Kế toán",
        ),
        trainee(BAC_SON_CODE, "Hoàng Văn Nam", "Công chức Tư pháp - Hộ tịch"),
    ],
    recorded_by: "vhtt",
};

/// The figure recording [`TRAINING`] writes: Bắc Sơn's 22 officials of 22 trained. It is not
/// among [`crate::figures`], which are the figures entered by hand.
pub fn training_figure() -> DemoFigure {
    DemoFigure {
        unit_code: BAC_SON_CODE.to_string(),
        indicator_code: TRAINING.indicator.to_string(),
        observation: Observation {
            observed_on: day(TRAINING.held_on),
            figure: Figure::Ratio {
                numerator: 22,
                denominator: 22,
            },
            planned_by: None,
            note: String::new(),
        },
    }
}

/// A ward's application for recognition and the province's decision on it.
#[derive(Clone, Copy, Debug)]
pub struct DemoRecognition {
    pub unit: &'static str,
    pub applied_on: &'static str,
    pub applied_by: &'static str,
    pub appraised_on: &'static str,
    pub decision_number: &'static str,
    pub decided_on: &'static str,
    pub signer: &'static str,
}

pub const RECOGNITIONS: [DemoRecognition; 2] = [
    DemoRecognition {
        unit: BAC_SON_CODE,
        applied_on: "2023-01-10",
        applied_by: "bacson",
        appraised_on: "2023-02-08",
        decision_number: "512/QĐ-UBND",
        decided_on: "2023-02-15",
        signer: "Phó Chủ tịch UBND tỉnh Thanh Hóa",
    },
    DemoRecognition {
        unit: QUANG_TIEN_CODE,
        applied_on: "2023-01-12",
        applied_by: "samson",
        appraised_on: "2023-02-08",
        decision_number: "513/QĐ-UBND",
        decided_on: "2023-02-15",
        signer: "Phó Chủ tịch UBND tỉnh Thanh Hóa",
    },
];

/// The account of the province's appraiser.
pub const APPRAISER: &str = "tinh";

/// Thanh Hóa's yearly quotas of communes to recognise as having completed digital
/// transformation, 2022–2025.
pub const QUOTAS: [(i32, i64); 4] = [(2022, 94), (2023, 132), (2024, 133), (2025, 118)];
